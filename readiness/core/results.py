"""What an organisation sees after submitting: its readiness profile, each answer beside the published
2024 figure and beside its peer group, and its rounds with their combined profiles. Shared by the results
page, the report and the API; pure Python (the store reads what these functions are given)."""

from dataclasses import dataclass

from . import combined
from . import peers
from . import reference
from . import scoring
from .peers import ANY


@dataclass(frozen=True)
class DimensionResult:
    """The organisation's score in a dimension (the combined score of its round's submitted respondents) with
    its band, where it stands among the other organisations of the peer group (one of
    ``core.peers.QUARTERS``, or None), and the respondent's own score beside it."""

    score: scoring.DimensionScore
    quarter: str | None
    peer_median: float | None
    own: float | None = None


@dataclass(frozen=True)
class AnswerResult:
    """One stored answer (a question, or a row of a matrix): the options chosen, the peers' shares and the
    organisations of the peer group behind each (``peer_counts``, as the release publishes them)."""

    key: str
    row: object
    chosen: tuple[str, ...]
    peer_shares: dict[str, float] | None
    figures: tuple[reference.Figure, ...]
    peer_counts: dict[str, int] | None = None
    # The respondent's own answer, where it differs from ``chosen``, the organisation's combined one.
    own: tuple[str, ...] | None = None


@dataclass(frozen=True)
class QuestionResult:
    """A question with its answers, KT's figures published about it, and figures of other surveys that asked
    something comparable (``context``: shown apart, never merged into KT's)."""

    question: object
    answers: tuple[AnswerResult, ...]
    figures: tuple[reference.Figure, ...]
    context: tuple[reference.Figure, ...] = ()

    @property
    def comparable(self):
        """Whether there is anything to compare the answer with: a published figure, another survey's figure
        or the peer group's distribution."""
        return bool(
            self.figures
            or self.context
            or any(answer.figures or answer.peer_shares is not None for answer in self.answers)
        )

    def option_figures(self, option_id):
        """Return the published figures about one option of this question."""
        return [figure for figure in self.figures if figure.option_id == option_id]

    def other_figures(self):
        """Return the published figures about the question as a whole (or a measure it does not ask)."""
        option_ids = {option.id for option in self.question.options}
        return [figure for figure in self.figures if figure.option_id not in option_ids]


@dataclass(frozen=True)
class Results:
    """Everything the results page and the assessment API show for one submitted assessment."""

    dimensions: tuple[DimensionResult, ...]
    group: peers.Group | None
    respondents: int
    questions: tuple[QuestionResult, ...]
    survey_figures: tuple[reference.Figure, ...]
    texts: dict[str, str]
    # The organisation's answers as compared: the round's combined ones (own use and attitude the respondent's).
    choices: dict = None


@dataclass(frozen=True)
class Respondent:
    """One respondent of a round: the assessment, its answers, its place in the round and its role (not name)."""

    assessment: object
    answers: object
    number: int
    role: object


@dataclass(frozen=True)
class Round:
    """The respondents of one round of an organisation, their combined answers and the scores of those."""

    number: int
    respondents: tuple[Respondent, ...]
    combined: dict
    scores: tuple


def rounds(questionnaire, model, respondents):
    """Return the rounds of an organisation, oldest first, from its (assessment, answers) pairs in the order
    respondents joined; each round has its respondents and the combined profile of those who have submitted
    (see ``combined``)."""
    by_round = {}
    for assessment, answers in respondents:
        by_round.setdefault(assessment.round, []).append((assessment, answers))
    role_question = questionnaire.profile_question("role")
    found = []
    for number, members in sorted(by_round.items()):
        respondents_of_round = tuple(
            Respondent(assessment, answers, position, role_question.option(questionnaire.profile(answers.choices).role))
            for position, (assessment, answers) in enumerate(members, start=1)
        )
        submitted = [
            questionnaire.known_choices(r.answers.choices) for r in respondents_of_round if r.assessment.submitted
        ]
        choices = combined.combine(questionnaire, model, submitted) if submitted else {}
        scores = tuple(combined.combined_scores(questionnaire, model, submitted)) if submitted else ()
        found.append(Round(number, respondents_of_round, choices, scores))
    return found


@dataclass(frozen=True)
class RoundComparison:
    """Two rounds' scores compared like with like: ``before`` and ``now`` (DimensionScores) come from the same
    roles in both rounds. ``same`` is True when both rounds had the same respondents' roles; otherwise ``roles``
    are the roles compared (empty when no role answered in both rounds, and nothing is compared)."""

    before: tuple
    now: tuple
    same: bool
    roles: tuple
    respondents_before: int
    respondents_now: int


def compare_rounds(questionnaire, model, before, now):
    """Compare two rounds (``Round``) like with like: all submitted respondents when both rounds had the same
    roles among them; otherwise only respondents of the roles that answered in both rounds (as many of each
    role as both rounds had, in the order they joined), so that a change of who answered is not read as a
    change of the organisation."""

    def submitted(round_):
        return [r for r in round_.respondents if r.assessment.submitted]

    def role_id(respondent):
        return respondent.role.id if respondent.role else None

    earlier, later = submitted(before), submitted(now)
    roles_before = [role_id(r) for r in earlier]
    roles_now = [role_id(r) for r in later]
    if sorted(roles_before, key=str) == sorted(roles_now, key=str):
        return RoundComparison(before.scores, now.scores, True, tuple(roles_now), len(earlier), len(later))
    common = {role: min(roles_before.count(role), roles_now.count(role)) for role in set(roles_before)}
    common = {role: n for role, n in common.items() if n}

    def of_common_roles(respondents):
        taken, chosen = {}, []
        for respondent in respondents:
            role = role_id(respondent)
            if taken.get(role, 0) < common.get(role, 0):
                taken[role] = taken.get(role, 0) + 1
                chosen.append(questionnaire.known_choices(respondent.answers.choices))
        return chosen

    roles = tuple(sorted(common, key=str))
    if not common:
        return RoundComparison((), (), False, (), len(earlier), len(later))
    return RoundComparison(
        tuple(combined.combined_scores(questionnaire, model, of_common_roles(earlier))),
        tuple(combined.combined_scores(questionnaire, model, of_common_roles(later))),
        False,
        roles,
        len(earlier),
        len(later),
    )


def build(questionnaire, model, answers, group_figures, figures, round_=None, counted_scores=None, minimum=5):
    """Compute the results of a submitted assessment from its answers, its round (``Round``: the organisation's
    combined scores; None: the answers are the organisation's), the released figures of its peer group
    (``core.peers.GroupFigures``, or None when no group is shown) and the reference figures in force.
    ``counted_scores`` are the organisation's scores as the group's figures count them (None when they do not
    count it): it stands among the others only, and only when at least ``minimum`` of them have a score."""
    counted_scores = counted_scores or {}
    own_choices = questionnaire.known_choices(answers.choices)
    own = scoring.score(model, questionnaire, own_choices)
    respondents = sum(1 for r in round_.respondents if r.assessment.submitted) if round_ else 1
    choices = organisation_answers(model, own_choices, round_.combined) if respondents > 1 else own_choices
    scores = round_.scores if round_ and round_.scores else own
    dimensions = tuple(
        DimensionResult(
            score,
            (
                group_figures.quarter(score.dimension.id, score.value, counted_scores.get(score.dimension.id), minimum)
                if group_figures
                else None
            ),
            group_figures.median(score.dimension.id) if group_figures else None,
            own_score.value,
        )
        for score, own_score in zip(scores, own, strict=True)
    )
    context = reference.by_question([figure for figure in figures if figure.is_context])
    figures = reference.by_question([figure for figure in figures if not figure.is_context])
    question_results = []
    profile = questionnaire.profile_question_ids()
    for question in questionnaire.questions():
        # The profile describes the organisation; it is context for the comparison, not part of it.
        if question.free_text or question.id in profile:
            continue
        # Retired options too, so that peers who answered before an option was removed are counted and can be
        # shown apart as not comparable, rather than missing from the shares.
        option_ids = [option.id for option in question.options + question.retired_options]
        answer_results = tuple(
            AnswerResult(
                key,
                question.row(key),
                tuple(choices.get(key, ())),
                group_figures.shares(key, option_ids) if group_figures else None,
                tuple(figures.get(key, ())) if key != question.id else (),
                group_figures.counts(key, option_ids) if group_figures else None,
                tuple(own_choices.get(key, ())) if own_choices.get(key, []) != choices.get(key, []) else None,
            )
            for key in question.answer_keys()
        )
        question_context = tuple(
            figure for key in (question.id, *question.answer_keys()) for figure in context.get(key, ())
        )
        question_results.append(
            QuestionResult(
                question, answer_results, tuple(figures.get(question.id, ())), tuple(dict.fromkeys(question_context))
            )
        )
    return Results(
        dimensions=dimensions,
        group=group_figures.group if group_figures else None,
        respondents=respondents,
        questions=tuple(question_results),
        survey_figures=tuple(figures.get(reference.SURVEY, ()))
        + tuple(figure for question in questionnaire.profile_questions() for figure in figures.get(question.id, ())),
        texts=answers.texts,
        choices=choices,
    )


def organisation_answers(model, own_choices, combined):
    """Return the organisation's answers, as its results compare them: the round's combined answers
    (``core.combined``), but the respondent's own for the questions about the respondent (own use, attitude),
    which describe a person, not the organisation."""
    personal = {
        rule.question
        for dimension in model.dimensions
        if dimension.level == "respondent"
        for rule in dimension.questions
    }
    answers = {key: options for key, options in combined.items() if key.split(".", 1)[0] not in personal}
    return answers | {key: options for key, options in own_choices.items() if key.split(".", 1)[0] in personal}


def group_label(questionnaire, cells, group, lang):
    """Describe a peer group in words: 'Kunta · 5 000–19 999 asukasta', or None for everyone. ``cells`` is
    ``core.releases.Cells``: a group narrower than a type is one of its cells."""
    if group.org_type == ANY:
        return None
    parts = [_option_label(questionnaire.profile_question("org_type"), group.org_type, lang)]
    if group.size_band != ANY:
        parts.append(cells.label(group.org_type, group.size_band)[lang])
    return " · ".join(parts)


def _option_label(question, option_id, lang):
    option = question.option(option_id)
    return option.label[lang] if option else option_id
