"""Peer groups from the service's own database: which groups may be shown, their answers and score ranks.

A group is (organisation type, size band), "*" meaning any: everyone, one type, or one type and size band.
Only submitted assessments count, free text never does, and a group is shown only when it holds at least
the minimum number of organisations *and* cannot be narrowed down by difference: subtracting the shown
groups inside it from it must leave nobody or at least the minimum again. No Flask here.
"""

from dataclasses import dataclass

from . import scoring

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
    population = questionnaire.question("population")
    return "population" if population.required_if and org_type in population.required_if.options else "staff"


def size_band(questionnaire, choices):
    """Return the assessment's (org_type, size_band): population for the types asked it, staff otherwise."""
    org_type = (choices.get("org_type") or [ANY])[0]
    return org_type, (choices.get(size_question(questionnaire, org_type)) or [ANY])[0]


def group_sizes(db):
    """Return {(org_type, size_band): organisations} of every group in the published snapshot."""
    return {
        (row[0], row[1]): row[2]
        for row in db.execute("select org_type, size_band, organisations from published_peer_groups")
    }


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


def group_for(db, org_type, size_band, minimum):
    """Return the narrowest shown group of an organisation: its type and size band, its type, or everyone."""
    sizes = group_sizes(db)
    shown = shown_groups(sizes, minimum)
    for key in ((org_type, size_band), (org_type, ANY), (ANY, ANY)):
        if key in shown:
            return Group(*key, sizes[key])
    return None


def shown_group(db, org_type, size_band, minimum):
    """Return the group with exactly these filters if it may be shown, else None."""
    sizes = group_sizes(db)
    key = (org_type, size_band)
    return Group(*key, sizes[key]) if key in shown_groups(sizes, minimum) else None


def filter_choices(questionnaire):
    """Return {org_type: [size band ids]}, the groups anyone may ask for, "*" meaning any."""
    org_types = questionnaire.question("org_type").options
    return {ANY: []} | {
        option.id: [band.id for band in questionnaire.question(size_question(questionnaire, option.id)).options]
        for option in org_types
    }


def nearest_shown_group(db, org_type, size_band, minimum):
    """Return the nearest larger group that may be shown (the type, then everyone), or None."""
    sizes = group_sizes(db)
    shown = shown_groups(sizes, minimum)
    for key in ((org_type, ANY), (ANY, ANY)):
        if key in shown and key != (org_type, size_band):
            return Group(*key, sizes[key])
    return None


def band_counts(db, group, dimension, model, minimum):
    """Return [(band, organisations)] of a shown group's scores in one dimension, or None when fewer than
    ``minimum`` have a score there."""
    counts = _score_counts(db, group, dimension)
    if sum(n for _, n in counts) < minimum:
        return None
    per_band = {}
    for value, n in counts:
        band = scoring.band_for(model, value)
        per_band[band.id] = per_band.get(band.id, 0) + n
    return [(band, per_band.get(band.id, 0)) for band in model.bands]


def distribution(db, group):
    """Return {answer_key: {option_id: organisations}} of a shown group."""
    counts = {}
    for key, option, organisations in db.execute(
        "select answer_key, option_id, organisations from published_peer_counts where org_type = ? and size_band = ?",
        group.key,
    ):
        counts.setdefault(key, {})[option] = organisations
    return counts


def _score_counts(db, group, dimension):
    return db.execute(
        "select value, organisations from published_peer_scores "
        "where org_type = ? and size_band = ? and dimension = ? order by value",
        [*group.key, dimension],
    ).fetchall()


def percentile(db, group, dimension, value, minimum):
    """Return the percentile rank (0–100) of ``value`` among the group's scores: below, plus half of equal.

    None when fewer than ``minimum`` of the group have a score in this dimension ("don't know" has none):
    a median or rank of fewer would show their scores.
    """
    counts = _score_counts(db, group, dimension)
    total = sum(n for _, n in counts)
    if total < minimum:
        return None
    below = sum(n for v, n in counts if v < value)
    equal = sum(n for v, n in counts if v == value)
    return 100 * (below + equal / 2) / total


def median(db, group, dimension, minimum):
    """Return the group's median score in one dimension, or None when fewer than ``minimum`` have a score."""
    counts = _score_counts(db, group, dimension)
    total = sum(n for _, n in counts)
    if total < minimum:
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
