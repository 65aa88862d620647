"""The peer rules: what an organisation contributes to its peer groups, which groups may be shown and when a
new snapshot may be published, and the figures of a shown group (shares, percentiles, medians, bands).

A group is (organisation type, size band), "*" meaning any: everyone, one type, or one type and size band.
Only submitted assessments count, free text and the profile never do, and a group is shown only when it holds
at least the minimum number of organisations *and* cannot be narrowed down by difference: subtracting the
shown groups inside it from it must leave nobody or at least the minimum again. Pure Python: the store counts
and keeps what these functions decide.
"""

from dataclasses import dataclass

from . import scoring
from .questionnaire import Questionnaire

ANY = "*"


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
    return Contribution(group_key(questionnaire, known), scores, counted)


def shown_groups(sizes, minimum):
    """Return the groups that may be shown, so that no difference of shown groups isolates a few organisations.

    Groups nest (everyone ⊃ a type ⊃ a type and size band). A group is shown when it holds at least
    ``minimum`` organisations and the organisations of it that no shown smaller group covers are none or
    at least ``minimum``: otherwise "group minus its shown parts" would be an aggregate of fewer.
    """
    shown = set()
    covered = {}
    for (org_type, band), count in sizes.items():
        if org_type != ANY and band != ANY and count >= minimum:
            shown.add((org_type, band))
    for (org_type, band), count in sizes.items():
        if org_type != ANY and band == ANY:
            parts = sum(n for (t, b), n in sizes.items() if t == org_type and b != ANY and (t, b) in shown)
            if _may_show(count, parts, minimum):
                shown.add((org_type, ANY))
                covered[org_type] = count
            else:
                covered[org_type] = parts
    everyone = sizes.get((ANY, ANY), 0)
    if _may_show(everyone, sum(covered.values()), minimum):
        shown.add((ANY, ANY))
    return shown


def may_publish(live, published, shown_before, minimum, changes=None):
    """Return the groups the live aggregates would show, if they may replace the published snapshot; else None.

    Anyone can keep earlier snapshots and subtract them from later ones, so the change must itself be safe
    to show. ``changes`` counts, per group, the organisations added to or taken out of it since the last
    snapshot that showed it (an organisation's new round is one of each); without it, the change is the
    difference of the sizes.
    Against the current snapshot: every group shown in both either did not change, or changed by a group of
    organisations that ``shown_groups`` would show on its own (at least ``minimum``, and not narrowed down by
    the changes of the shown groups inside it). A group withheld after a deletion (shown before, absent now)
    comes back only after such a change too. Against every earlier snapshot (``shown_before``: group -> the
    sizes at which it was shown): a group shown again differs from each of those sizes by nobody or by at
    least ``minimum``. Until then peers see the earlier snapshot.
    """
    if changes is None:
        changes = {key: live.get(key, 0) - published.get(key, 0) for key in set(live) | set(published)}
        if any(change < 0 for change in changes.values()):
            return None  # organisations removed: the snapshot waits for a recount that can be shown
    safe_changes = shown_groups(changes, minimum)
    shown_now = shown_groups(live, minimum)
    shown_published = shown_groups(published, minimum)
    for key in shown_now:
        changed = changes.get(key, 0) != 0
        if key in shown_published and changed and key not in safe_changes:
            return None
        if key not in shown_published and key in shown_before and key not in safe_changes:
            return None
        if any(0 < abs(live[key] - size) < minimum for size in shown_before.get(key, ())):
            return None
    return shown_now


def _may_show(count, covered, minimum):
    rest = count - covered
    return count >= minimum and (rest == 0 or rest >= minimum)


def group_for(sizes, org_type, size_band, minimum):
    """Return the narrowest shown group of an organisation: its type and size band, its type, or everyone."""
    shown = shown_groups(sizes, minimum)
    for key in ((org_type, size_band), (org_type, ANY), (ANY, ANY)):
        if key in shown:
            return Group(*key, sizes[key])
    return None


def shown_group(sizes, org_type, size_band, minimum):
    """Return the group with exactly these filters if it may be shown, else None."""
    key = (org_type, size_band)
    return Group(*key, sizes[key]) if key in shown_groups(sizes, minimum) else None


def nearest_shown_group(sizes, org_type, size_band, minimum):
    """Return the nearest larger group that may be shown (the type, then everyone), or None."""
    shown = shown_groups(sizes, minimum)
    for key in ((org_type, ANY), (ANY, ANY)):
        if key in shown and key != (org_type, size_band):
            return Group(*key, sizes[key])
    return None


def filter_choices(questionnaire):
    """Return {org_type: [size band ids]}, the groups anyone may ask for, "*" meaning any."""
    org_types = questionnaire.profile_question("org_type").options
    return {ANY: []} | {
        option.id: [band.id for band in size_question(questionnaire, option.id).options] for option in org_types
    }


@dataclass(frozen=True)
class GroupFigures:
    """The published figures of one shown group: how many of it chose each option, and how many have each
    score per dimension. Ranks and medians need ``minimum`` organisations with a score in that dimension
    ("don't know" has none): a median or rank of fewer would show their scores."""

    group: Group
    minimum: int
    distribution: dict[str, dict[str, int]]
    score_counts: dict[str, list[tuple[float, int]]]

    def shares(self, answer_key, option_ids):
        """Return {option id: percent of the group that chose it} for one answer key."""
        counts = self.distribution.get(answer_key, {})
        return {option: 100 * counts.get(option, 0) / self.group.organisations for option in option_ids}

    def _counts(self, dimension):
        counts = self.score_counts.get(dimension, [])
        return counts if sum(n for _, n in counts) >= self.minimum else None

    def percentile(self, dimension, value):
        """Return the percentile rank (0–100) of ``value`` among the group's scores: below, plus half of equal;
        None when too few have a score."""
        counts = self._counts(dimension)
        if counts is None or value is None:
            return None
        total = sum(n for _, n in counts)
        below = sum(n for v, n in counts if v < value)
        equal = sum(n for v, n in counts if v == value)
        return 100 * (below + equal / 2) / total

    def median(self, dimension):
        """Return the group's median score in one dimension, or None when too few have a score."""
        counts = self._counts(dimension)
        if counts is None:
            return None
        total = sum(n for _, n in counts)
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
        """Return [(band, organisations)] of the group's scores in one dimension, or None when too few."""
        counts = self._counts(dimension)
        if counts is None:
            return None
        per_band = {}
        for value, n in counts:
            band = scoring.band_for(model, value)
            per_band[band.id] = per_band.get(band.id, 0) + n
        return [(band, per_band.get(band.id, 0)) for band in model.bands]
