"""The peer rules: what an organisation contributes to its peer groups, the groups a release shows, and the
figures of a shown group (shares, where an organisation stands, medians, bands).

A group is (organisation type, cell), "*" meaning any: everyone, one type, or one cell of a type (see
``core.releases``). Only submitted assessments count, free text and the profile never do; which groups a
release shows is the auditor's decision (``core.releases``). Pure Python: the store counts and keeps what
these functions decide.
"""

from dataclasses import dataclass

from . import scoring
from .questionnaire import Questionnaire

ANY = "*"
# The answer key under which a contribution counts the version of the readiness model that computed its scores:
# a release then says, per group, how many of its organisations each version scored.
MODEL = "model"


@dataclass(frozen=True)
class Group:
    """A peer group that may be shown: its filters and how many organisations it holds."""

    org_type: str
    size_band: str
    organisations: int

    @property
    def key(self):
        """The group's (org_type, size_band) pair."""
        return (self.org_type, self.size_band)


def size_question(questionnaire, org_type):
    """Return the question whose answer is the size band of this organisation type: population or staff."""
    population = questionnaire.profile_question("population")
    if population.required_if and org_type in population.required_if.options:
        return population
    return questionnaire.profile_question("staff")


def group_key(questionnaire, choices):
    """Return the (org_type, size_band) pair of an assessment's narrowest peer group: the size band is the
    population band for the types asked it, the staff band otherwise, "*" where it was not answered."""
    profile = questionnaire.profile(choices)
    population = size_question(questionnaire, profile.org_type) is questionnaire.profile_question("population")
    size = profile.population if population else profile.staff
    return profile.org_type or ANY, size or ANY


@dataclass(frozen=True)
class Contribution:
    """What one submitted assessment adds to the peer aggregates: its group, its dimension scores and the
    choices peers may count."""

    group: tuple[str, str]
    scores: dict[str, float | None]
    choices: dict[str, list[str]]
    # The version of the readiness model that computed ``scores``.
    model: str = ""

    def groups(self):
        """Return every group the contribution counts in, each once: everyone, the type, the type and band."""
        org_type, size_band = self.group
        # A group part left unknown ("*") must not count the organisation twice into the same group.
        return list(dict.fromkeys(((ANY, ANY), (org_type, ANY), (org_type, size_band))))


def contribution(questionnaire: Questionnaire, model: scoring.Model, choices: dict[str, list[str]]) -> Contribution:
    """Return what an assessment with these stored choices contributes to its peer groups: the one rule that
    submitting, deleting, a new round and a recount all apply.

    Options the questionnaire no longer has are left out. The profile (type, size, region, language, role)
    describes the organisation: counting it for peers would help to tell who answered, so peers count only
    the survey's own questions.
    """
    known = questionnaire.known_choices(choices)
    scores = {s.dimension.id: s.value for s in scoring.score(model, questionnaire, known)}
    profile = questionnaire.profile_question_ids()
    counted = {key: options for key, options in known.items() if key.split(".", 1)[0] not in profile}
    return Contribution(group_key(questionnaire, known), scores, counted, model.version)


def round_contribution(questionnaire: Questionnaire, model: scoring.Model, respondents) -> Contribution:
    """Return what an organisation's round contributes to peers: the combined answers of its submitted
    respondents (``respondents``: their choices dicts; one respondent's are their own), their group, and the
    organisation's combined scores (``combined.combined_scores``), as the organisation's own pages show them."""
    from .combined import combine
    from .combined import combined_scores

    known = [questionnaire.known_choices(choices) for choices in respondents]
    combined = contribution(questionnaire, model, combine(questionnaire, model, known))
    scores = {s.dimension.id: s.value for s in combined_scores(questionnaire, model, known)}
    return Contribution(combined.group, scores, combined.choices, model.version)


def group_for(sizes, cell, org_type):
    """Return the narrowest group a release shows for an organisation in ``cell`` of ``org_type``: its cell, its
    type, or everyone; None when it shows none of them."""
    keys = ([cell] if cell else []) + [(org_type, ANY), (ANY, ANY)]
    for key in keys:
        if key in sizes:
            return Group(*key, sizes[key])
    return None


def shown_group(sizes, org_type, size_band):
    """Return the group with exactly these filters if the release shows it, else None."""
    key = (org_type, size_band)
    return Group(*key, sizes[key]) if key in sizes else None


def nearest_shown_group(sizes, org_type, size_band):
    """Return the nearest larger group the release shows (the type, then everyone), or None."""
    for key in ((org_type, ANY), (ANY, ANY)):
        if key in sizes and key != (org_type, size_band):
            return Group(*key, sizes[key])
    return None


def scored_with(distribution, group, version):
    """Return the released figures of ``group`` (``distribution``: its counts per answer key, including the
    models' counts under MODEL) split into (the counts of answers, whether every organisation of the group has
    scores computed with the model ``version``)."""
    answers = {key: counts for key, counts in distribution.items() if key != MODEL}
    return answers, distribution.get(MODEL, {}).get(version, 0) == group.organisations


def filter_choices(questionnaire):
    """Return {org_type: [size band ids]} of the profile, "*" meaning any (the operator's own filters)."""
    org_types = questionnaire.profile_question("org_type").options
    return {ANY: []} | {
        option.id: [band.id for band in size_question(questionnaire, option.id).options] for option in org_types
    }


# Where an organisation stands among the others of a group, from the lowest quarter to the highest.
QUARTERS = ("bottom_quarter", "third_quarter", "second_quarter", "top_quarter")


@dataclass(frozen=True)
class GroupFigures:
    """The released figures of one shown group: how many of it chose each option, and how many have each
    score per dimension. They follow the group's rule and no other: a dimension's median and bands are
    shown whenever the group is (a minimum per dimension could be subtracted away, see docs/privacy.md)."""

    group: Group
    distribution: dict[str, dict[str, int]]
    score_counts: dict[str, list[tuple[float, int]]]
    # Whether some of the group's scores were computed with another version of the readiness model than the one
    # in force: they are then left out (``score_counts`` is empty), since scores of two versions do not compare.
    scored_with_another_model: bool = False

    def shares(self, answer_key, option_ids):
        """Return {option id: percent of the group that chose it} for one answer key."""
        counts = self.distribution.get(answer_key, {})
        return {option: 100 * counts.get(option, 0) / self.group.organisations for option in option_ids}

    def counts(self, answer_key, option_ids):
        """Return {option id: organisations of the group that chose it} for one answer key, as released."""
        counts = self.distribution.get(answer_key, {})
        return {option: counts.get(option, 0) for option in option_ids}

    def quarter(self, dimension, value, own, minimum):
        """Return where ``value`` stands among the other organisations' scores in a dimension, as one of
        QUARTERS (the share of them scoring lower, equal ones counting half), or None when fewer than
        ``minimum`` others have a score. ``own`` is the organisation's own score as these figures count it
        (None when they do not count it): it is taken out, so that an organisation is never ranked against
        itself."""
        if value is None:
            return None
        counts = dict(self.score_counts.get(dimension, []))
        if own is not None and counts.get(own):
            counts[own] -= 1
        others = sum(counts.values())
        if others < minimum:
            return None
        below = sum(n for v, n in counts.items() if v < value)
        equal = sum(n for v, n in counts.items() if v == value)
        return QUARTERS[min(3, int(4 * (below + equal / 2) / others))]

    def median(self, dimension):
        """Return the group's median score in one dimension, or None when nobody in it has a score."""
        counts = self.score_counts.get(dimension, [])
        total = sum(n for _, n in counts)
        if not total:
            return None
        # The middle one or two of the sorted scores, found by walking the cumulative counts.
        wanted = [(total - 1) // 2, total // 2]
        middle, seen = [], 0
        for value, n in counts:
            while wanted and wanted[0] < seen + n:
                middle.append(value)
                wanted.pop(0)
            seen += n
        return sum(middle) / len(middle)

    def band_counts(self, dimension, model):
        """Return [(band, organisations)] of the group's scores in one dimension, or None when nobody has one."""
        counts = self.score_counts.get(dimension, [])
        if not counts:
            return None
        per_band = {}
        for value, n in counts:
            band = scoring.band_for(model, value)
            per_band[band.id] = per_band.get(band.id, 0) + n
        return [(band, per_band.get(band.id, 0)) for band in model.bands]
