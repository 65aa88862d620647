"""What an organisation sees after submitting: its readiness profile, each answer beside the published
2024 figure and beside its peer group, with charts and tables. Shared by the results page and the API."""

import threading
from collections import OrderedDict
from dataclasses import dataclass

from . import combined
from . import peers
from . import reference
from . import scoring
from . import storage
from .peers import ANY

PROFILE_SECTION = "profile"


@dataclass(frozen=True)
class DimensionResult:
    """A dimension's score with its band, and where it stands in the peer group."""

    score: scoring.DimensionScore
    percentile: float | None
    peer_median: float | None


@dataclass(frozen=True)
class AnswerResult:
    """One stored answer (a question, or a row of a matrix): the options chosen and the peers' shares."""

    key: str
    row: object
    chosen: tuple[str, ...]
    peer_shares: dict[str, float] | None
    figures: tuple[reference.Figure, ...]


@dataclass(frozen=True)
class QuestionResult:
    """A question with its answers and the 2024 figures published about it."""

    question: object
    answers: tuple[AnswerResult, ...]
    figures: tuple[reference.Figure, ...]

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
    questions: tuple[QuestionResult, ...]
    survey_figures: tuple[reference.Figure, ...]
    texts: dict[str, str]


@dataclass(frozen=True)
class Respondent:
    """One respondent of a round: the assessment, its answers, its place in the round and its role (not name)."""

    assessment: storage.Assessment
    answers: storage.Answers
    number: int
    role: object


@dataclass(frozen=True)
class Round:
    """The respondents of one round of an organisation, their combined answers and the scores of those."""

    number: int
    respondents: tuple[Respondent, ...]
    combined: dict
    scores: tuple


def rounds_of(db, questionnaire, model, organisation_id):
    """Return the rounds of an organisation, oldest first, each with its respondents and the combined
    profile of those who have submitted (see ``combined``)."""
    by_round = {}
    for assessment in storage.organisation_assessments(db, organisation_id):
        by_round.setdefault(assessment.round, []).append(assessment)
    role_question = questionnaire.question("role")
    found = []
    for number, assessments in sorted(by_round.items()):
        respondents = []
        for position, assessment in enumerate(assessments, start=1):
            answers = storage.load_answers(db, assessment.id)
            role = role_question.option((answers.choices.get("role") or [""])[0])
            respondents.append(Respondent(assessment, answers, position, role))
        submitted = [questionnaire.known_choices(r.answers.choices) for r in respondents if r.assessment.submitted]
        choices = combined.combine(questionnaire, model, submitted) if submitted else {}
        scores = tuple(scoring.score(model, questionnaire, choices)) if submitted else ()
        found.append(Round(number, tuple(respondents), choices, scores))
    return found


def reference_figures(db, questionnaire):
    """Return the reference figures in force: the packaged 2024 ones, replaced or extended by the operator's."""
    rows, replaces = storage.operator_reference(db)
    loaded = {row["id"]: reference.Figure(**row) for row in rows}
    if replaces:
        return list(loaded.values())
    packaged = {figure.id: figure for figure in reference.load_packaged(questionnaire)}
    return list({**packaged, **loaded}.values())


def build(db, questionnaire, model, assessment, answers, minimum):
    """Compute the results of a submitted assessment from its answers, the peer aggregates and the reference."""
    group = peers.group_for(db, assessment.org_type, assessment.size_band, minimum)
    choices = questionnaire.known_choices(answers.choices)
    scores = scoring.score(model, questionnaire, choices)
    dimensions = tuple(
        DimensionResult(
            score,
            peers.percentile(db, group, score.dimension.id, score.value, minimum)
            if group and score.value is not None
            else None,
            peers.median(db, group, score.dimension.id, minimum) if group else None,
        )
        for score in scores
    )
    distribution = peers.distribution(db, group) if group else {}
    figures = reference.by_question(reference_figures(db, questionnaire))
    question_results = []
    profile = questionnaire.section(PROFILE_SECTION)
    for question in questionnaire.questions():
        # The profile describes the organisation; it is context for the comparison, not part of it.
        if question.type == "text" or question in profile.questions:
            continue
        answer_results = []
        for key in question.answer_keys():
            shares = None
            if group:
                counts = distribution.get(key, {})
                shares = {
                    option.id: 100 * counts.get(option.id, 0) / group.organisations for option in question.options
                }
            row_figures = tuple(figures.get(key, ())) if key != question.id else ()
            answer_results.append(
                AnswerResult(key, question.row(key), tuple(choices.get(key, ())), shares, row_figures)
            )
        question_results.append(QuestionResult(question, tuple(answer_results), tuple(figures.get(question.id, ()))))
    return Results(
        dimensions=dimensions,
        group=group,
        questions=tuple(question_results),
        survey_figures=tuple(figures.get("survey", ()))
        + tuple(figure for question in profile.questions for figure in figures.get(question.id, ())),
        texts=answers.texts,
    )


def group_label(questionnaire, group, lang):
    """Describe a peer group in words: 'Kunta · 10 000–19 999', or None for everyone."""
    if group.org_type == ANY:
        return None
    parts = [_option_label(questionnaire.question("org_type"), group.org_type, lang)]
    if group.size_band != ANY:
        size = questionnaire.question(peers.size_question(questionnaire, group.org_type))
        parts.append(_option_label(size, group.size_band, lang))
    return " · ".join(parts)


def _option_label(question, option_id, lang):
    option = question.option(option_id)
    return option.label[lang] if option else option_id


class RenderedResults:
    """The most recently used rendered results, keyed by (assessment, language, revision); bounded in size."""

    def __init__(self, size):
        self.size = size
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """Return the entry for ``key`` and mark it used, or None."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        return None

    def put(self, key, value):
        """Keep ``value`` under ``key``, forgetting the least recently used entry when full."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
