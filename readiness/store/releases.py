"""Peer releases: each organisation's contribution (the combined profile of its round's submitted
respondents), kept up to date in the transaction that submits or deletes; the members a release counts; the
release itself, computed from scratch and audited cell by cell (``core.releases``); and reads of the latest
release, which is all that pages and the API ever show of peers.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from readiness.core import peers
from readiness.core import releases as rules

from .database import timestamp
from .database import write_transaction


def bump_results_revision(db):
    """Mark every rendered results page stale: a release, the reference figures or the set of ids changed."""
    db.execute("update revisions set value = value + 1 where name = 'results'")


# -- contributions -------------------------------------------------------------------------------------------


def refresh_contribution(db, organisation_id, round_number, rule):
    """Recompute what an organisation's round contributes to peers, inside the caller's transaction: the
    combined profile of the round's submitted respondents (``rule`` is ``core.peers.round_contribution`` bound
    to the questionnaire and model), under a new unit id; or nothing, when none of them has submitted."""
    for table in ("round_contributions", "round_contribution_answers", "round_contribution_scores"):
        db.execute(f"delete from {table} where organisation_id = ? and round = ?", [organisation_id, round_number])
    # The operator's figures and exports count each organisation once, by one respondent: the first who
    # submitted in its latest round with a submission.
    db.execute("update assessments set counted = 0 where organisation_id = ?", [organisation_id])
    db.execute(
        "update assessments set counted = 1 where id = (select id from assessments where organisation_id = ? "
        "and status = 'submitted' order by round desc, submitted_at, id limit 1)",
        [organisation_id],
    )
    ids = [
        row[0]
        for row in db.execute(
            "select id from assessments where organisation_id = ? and round = ? and status = 'submitted' order by id",
            [organisation_id, round_number],
        )
    ]
    if not ids:
        return
    respondents = {assessment_id: {} for assessment_id in ids}
    placeholders = ", ".join("?" for _ in ids)
    for assessment_id, key, option in db.execute(
        f"select assessment_id, question_id, option_id from answers where assessment_id in ({placeholders}) "
        "order by rowid",
        ids,
    ):
        respondents[assessment_id].setdefault(key, []).append(option)
    contribution = rule(list(respondents.values()))
    org_type, size_band = contribution.group
    db["round_contributions"].insert(
        {
            "organisation_id": organisation_id,
            "round": round_number,
            # A new id for every new set of respondents: the auditor follows units, and a unit's answers never change.
            "unit": secrets.token_hex(8),
            "assessment_ids": ",".join(map(str, ids)),
            "org_type": org_type,
            "size_band": size_band,
        }
    )
    db.conn.executemany(
        "insert into round_contribution_answers values (?, ?, ?, ?)",
        [
            (organisation_id, round_number, key, option)
            for key, options in contribution.choices.items()
            for option in options
        ],
    )
    db.conn.executemany(
        "insert into round_contribution_scores values (?, ?, ?, ?)",
        [(organisation_id, round_number, d, v) for d, v in contribution.scores.items() if v is not None],
    )


def round_group(db, organisation_id, round_number):
    """Return the (org_type, size band) of an organisation's round as releases count it (its combined
    profile), or None when nobody in the round has submitted."""
    row = db.execute(
        "select org_type, size_band from round_contributions where organisation_id = ? and round = ?",
        [organisation_id, round_number],
    ).fetchone()
    return tuple(row) if row else None


@dataclass(frozen=True)
class Member:
    """An organisation counted for peers: its latest round with a submitted respondent, the unit id of that
    round's contribution, the respondents' assessment ids and its group (org_type, size band)."""

    organisation_id: int
    round: int
    unit: str
    assessment_ids: tuple[int, ...]
    group: tuple[str, str]


def release_members(db):
    """Return the organisations a release counts, each once: the one place that says which organisations
    count for peers and in which group (the group of the round's combined profile)."""
    return [
        Member(organisation_id, round_number, unit, tuple(int(i) for i in ids.split(",")), (org_type, size_band))
        for organisation_id, round_number, unit, ids, org_type, size_band in db.execute(
            "select organisation_id, round, unit, assessment_ids, org_type, size_band from round_contributions c "
            "where round = (select max(round) from round_contributions where organisation_id = c.organisation_id) "
            "order by organisation_id"
        )
    ]


# -- releases ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """A published release: its number, when it was published, and how many organisations its figures hold."""

    id: int
    published_at: str
    organisations: int
    threshold: int


@dataclass(frozen=True)
class Outcome:
    """What a new release did with each cell: {cell key: core.releases FRESH, CARRIED or WITHHELD}."""

    release: Release
    cells: dict


def cell_runs(db):
    """Return {cell key: (published versions, [core.releases.Run])}: the audit history of every cell."""
    history = {}
    for org_type, cell, versions in db.execute("select org_type, cell, versions from cell_versions"):
        history[(org_type, cell)] = (versions, [])
    for org_type, cell, unit, organisation_id, first, last in db.execute(
        "select org_type, cell, unit, organisation_id, first, last from cell_runs order by rowid"
    ):
        history[(org_type, cell)][1].append(rules.Run(unit, organisation_id, first, last))
    return history


def publish_release(db, cells, threshold, now=None):
    """Compute a release from scratch from ``release_members``, let the auditor decide each cell, and publish
    it as the one peers see; return its Outcome. ``cells`` is ``core.releases.Cells``."""
    with write_transaction(db):
        return _publish(db, cells, threshold, now or timestamp())


def publish_first_release(db, cells, threshold):
    """Publish a release if none exists yet and some organisation counts; decided under the write lock, so
    that workers starting together publish one. Return its Outcome, or None."""
    with write_transaction(db):
        if latest_release(db) is None and release_members(db):
            return _publish(db, cells, threshold, timestamp())
    return None


def _publish(db, cells, threshold, now):
    members = release_members(db)
    candidates = {}
    for member in members:
        key = cells.cell_of(member.group)
        if key is not None:
            candidates.setdefault(key, {})[member.unit] = member
    history = cell_runs(db)
    stored = {row[0] for row in db.execute("select unit from round_contributions")}
    previous = latest_release(db)
    decisions = {}
    for key in sorted(set(candidates) | set(history)):
        versions, runs = history.get(key, (0, []))
        candidate = {unit: m.organisation_id for unit, m in candidates.get(key, {}).items()}
        decision = rules.decide(runs, versions, candidate, stored.__contains__, threshold)
        if decision is not None:
            decisions[key] = decision
    release_id = db.execute(
        "insert into releases (published_at, threshold, organisations) values (?, ?, 0)", [now, threshold]
    ).lastrowid
    fresh = [key for key, decision in decisions.items() if decision == rules.FRESH]
    carried = [key for key, decision in decisions.items() if decision == rules.CARRIED]
    _record_versions(db, history, fresh, candidates, release_id)
    _write_fresh(db, release_id, fresh, candidates)
    if carried and previous is not None:
        _copy_cells(db, previous.id, release_id, carried)
    organisations = _write_parents(db, release_id)
    db.execute("update releases set organisations = ? where id = ?", [organisations, release_id])
    # Only the latest release's figures are read; the groups each release showed stay, with the cell history,
    # for the audit and its tests.
    for table in ("release_counts", "release_scores"):
        db.execute(f"delete from {table} where release_id < ?", [release_id])
    bump_results_revision(db)
    return Outcome(latest_release(db), decisions)


def _record_versions(db, history, fresh, candidates, release_id):
    """Add a version to each fresh cell's history: runs of units still in it go on, new units start one."""
    for key in fresh:
        versions = history.get(key, (0, []))[0]
        new = versions + 1
        units = candidates[key]
        db.execute(
            "insert into cell_versions (org_type, cell, versions) values (?, ?, ?) "
            "on conflict do update set versions = excluded.versions",
            [*key, new],
        )
        db.execute("insert into cell_publications values (?, ?, ?, ?)", [*key, new, release_id])
        running = {
            row[0]
            for row in db.execute(
                "select unit from cell_runs where org_type = ? and cell = ? and last = ?", [*key, versions]
            )
        }
        db.conn.executemany(
            "update cell_runs set last = ? where org_type = ? and cell = ? and unit = ? and last = ?",
            [(new, *key, unit, versions) for unit in units if unit in running],
        )
        db.conn.executemany(
            "insert into cell_runs (org_type, cell, unit, organisation_id, first, last) values (?, ?, ?, ?, ?, ?)",
            [(*key, unit, m.organisation_id, new, new) for unit, m in units.items() if unit not in running],
        )


def _write_fresh(db, release_id, fresh, candidates):
    """Count the fresh cells' figures from their members' contributions, in SQL."""
    db.execute("create temp table if not exists release_cells (organisation_id int, round int, org_type, cell)")
    db.execute("delete from release_cells")
    db.conn.executemany(
        "insert into release_cells values (?, ?, ?, ?)",
        [(m.organisation_id, m.round, *key) for key in fresh for m in candidates[key].values()],
    )
    db.execute(
        "insert into release_groups (release_id, org_type, size_band, organisations, as_of) "
        "select ?, org_type, cell, count(*), ? from release_cells group by org_type, cell",
        [release_id, release_id],
    )
    db.execute(
        "insert into release_counts select ?, c.org_type, c.cell, a.answer_key, a.option_id, count(*) "
        "from release_cells c join round_contribution_answers a "
        "on a.organisation_id = c.organisation_id and a.round = c.round "
        "group by c.org_type, c.cell, a.answer_key, a.option_id",
        [release_id],
    )
    db.execute(
        "insert into release_scores select ?, c.org_type, c.cell, s.dimension, s.value, count(*) "
        "from release_cells c join round_contribution_scores s "
        "on s.organisation_id = c.organisation_id and s.round = c.round "
        "group by c.org_type, c.cell, s.dimension, s.value",
        [release_id],
    )
    db.execute("delete from release_cells")


def _copy_cells(db, from_release, to_release, keys):
    """Repeat cells' figures of the previous release unchanged, with the release they were computed for."""
    for key in keys:
        where = "where release_id = ? and org_type = ? and size_band = ?"
        db.execute(
            f"insert into release_groups select ?, org_type, size_band, organisations, as_of from release_groups {where}",
            [to_release, from_release, *key],
        )
        db.execute(
            "insert into release_counts select ?, org_type, size_band, answer_key, option_id, organisations "
            f"from release_counts {where}",
            [to_release, from_release, *key],
        )
        db.execute(
            "insert into release_scores select ?, org_type, size_band, dimension, value, organisations "
            f"from release_scores {where}",
            [to_release, from_release, *key],
        )


def _write_parents(db, release_id):
    """Write everyone and each split type as the sum of the cells shown in this release; return everyone's
    size. A parent only ever sums published cells, so it says nothing the cells do not."""
    split = [
        row[0]
        for row in db.execute(
            "select distinct org_type from release_groups where release_id = ? and size_band != ?",
            [release_id, peers.ANY],
        )
    ]
    if not db.execute("select 1 from release_groups where release_id = ?", [release_id]).fetchone():
        return 0
    # Everyone first, while the release holds only cells; then each split type from its own cells.
    _sum_into(db, release_id, (peers.ANY, peers.ANY), "1", [])
    for org_type in split:
        _sum_into(db, release_id, (org_type, peers.ANY), "org_type = ? and size_band != ?", [org_type, peers.ANY])
    return db.execute(
        "select organisations from release_groups where release_id = ? and org_type = ? and size_band = ?",
        [release_id, peers.ANY, peers.ANY],
    ).fetchone()[0]


def _sum_into(db, release_id, key, where, params):
    """Write group ``key`` as the sum of this release's rows chosen by ``where``."""
    scope = f"release_id = ? and ({where})"
    db.execute(
        f"insert into release_groups select ?, ?, ?, sum(organisations), min(as_of) from release_groups where {scope}",
        [release_id, *key, release_id, *params],
    )
    db.execute(
        f"insert into release_counts select ?, ?, ?, answer_key, option_id, sum(organisations) from release_counts "
        f"where {scope} group by answer_key, option_id",
        [release_id, *key, release_id, *params],
    )
    db.execute(
        f"insert into release_scores select ?, ?, ?, dimension, value, sum(organisations) from release_scores "
        f"where {scope} group by dimension, value",
        [release_id, *key, release_id, *params],
    )


# -- reads ---------------------------------------------------------------------------------------------------


def latest_release(db):
    """Return the latest Release, or None before the first."""
    row = db.execute(
        "select id, published_at, organisations, threshold from releases order by id desc limit 1"
    ).fetchone()
    return Release(*row) if row else None


def release_sizes(db):
    """Return {(org_type, size_band): organisations} of every group the latest release shows."""
    return {
        (t, b): n
        for t, b, n in db.execute(
            "select org_type, size_band, organisations from release_groups "
            "where release_id = (select max(id) from releases)"
        )
    }


def as_of(db, group_key):
    """Return when the figures of a shown group were computed: the publication date of the release they come
    from (for a parent, its oldest cell's)."""
    row = db.execute(
        "select releases.published_at from release_groups join releases on releases.id = release_groups.as_of "
        "where release_groups.release_id = (select max(id) from releases) and org_type = ? and size_band = ?",
        group_key,
    ).fetchone()
    return row[0] if row else None


def group_figures(db, group):
    """Return the released figures of a shown group (``core.peers.Group``) as ``core.peers.GroupFigures``."""
    latest = "(select max(id) from releases)"
    distribution = {}
    for key, option, organisations in db.execute(
        f"select answer_key, option_id, organisations from release_counts where release_id = {latest} "
        "and org_type = ? and size_band = ?",
        group.key,
    ):
        distribution.setdefault(key, {})[option] = organisations
    score_counts = {}
    for dimension, value, organisations in db.execute(
        f"select dimension, value, organisations from release_scores where release_id = {latest} "
        "and org_type = ? and size_band = ? order by dimension, value",
        group.key,
    ):
        score_counts.setdefault(dimension, []).append((value, organisations))
    return peers.GroupFigures(group, distribution, score_counts)


def figures_for(db, org_type, size_band, cells):
    """Return the released figures of an organisation's narrowest shown group (its cell, its type, or
    everyone), or None when the release shows none of them."""
    group = peers.group_for(release_sizes(db), cells.cell_of((org_type, size_band)), org_type)
    return group_figures(db, group) if group else None


def own_scores(db, organisation_id, group):
    """Return {dimension: score} of the organisation's contribution as the latest release counts it in
    ``group`` (``core.peers.Group``), or None when the group's figures do not hold the organisation: what
    must be taken out before it is ranked among the others."""
    org_type, size_band = group.key
    row = db.execute(
        "select r.unit from cell_runs r "
        "join release_groups g on g.org_type = r.org_type and g.size_band = r.cell "
        "join cell_publications p on p.org_type = r.org_type and p.cell = r.cell and p.release_id = g.as_of "
        "where g.release_id = (select max(id) from releases) and r.organisation_id = ? "
        "and p.version between r.first and r.last and (? = '*' or r.org_type = ?) and (? = '*' or r.cell = ?)",
        [organisation_id, org_type, org_type, size_band, size_band],
    ).fetchone()
    if row is None:
        return None
    return dict(
        db.execute(
            "select s.dimension, s.value from round_contribution_scores s join round_contributions c "
            "on c.organisation_id = s.organisation_id and c.round = s.round where c.unit = ?",
            [row[0]],
        )
    )


def released_counts(db):
    """Yield (org_type, size_band, answer_key, option_id, organisations) of the latest release, in order."""
    yield from db.execute(
        "select org_type, size_band, answer_key, option_id, organisations from release_counts "
        "where release_id = (select max(id) from releases) order by org_type, size_band, answer_key, option_id"
    )


def published_views(db):
    """Return {(release id, group key): [units]} of every group of every release ever published: a cell holds
    the units of the version it showed, a parent those of the cells it summed. What the audit reasons about."""
    version_at = {
        (org_type, cell, release_id): version
        for org_type, cell, version, release_id in db.execute("select * from cell_publications")
    }
    units = {}
    for org_type, cell, unit, first, last in db.execute("select org_type, cell, unit, first, last from cell_runs"):
        for version in range(first, last + 1):
            units.setdefault((org_type, cell, version), []).append(unit)
    shown = db.execute(
        "select release_id, org_type, size_band, as_of from release_groups order by release_id"
    ).fetchall()
    cells = {}
    for release_id, org_type, size_band, from_release in shown:
        version = version_at.get((org_type, size_band, from_release))
        if version is not None:
            cells.setdefault(release_id, {})[(org_type, size_band)] = units.get((org_type, size_band, version), [])
    views = {}
    for release_id, org_type, size_band, _ in shown:
        held = cells.get(release_id, {})
        if (org_type, size_band) in held:
            views[(release_id, (org_type, size_band))] = held[(org_type, size_band)]
        else:
            views[(release_id, (org_type, size_band))] = [
                unit for (t, _), cell_units in held.items() if org_type in (peers.ANY, t) for unit in cell_units
            ]
    return views


def recent_releases(db, limit=12):
    """Return the latest releases, newest first, as Release rows."""
    return [
        Release(*row)
        for row in db.execute(
            "select id, published_at, organisations, threshold from releases order by id desc limit ?", [limit]
        )
    ]


def latest_groups(db):
    """Return [(org_type, size_band, organisations, date its figures were computed for)] of every group the
    latest release shows, in order."""
    return db.execute(
        "select g.org_type, g.size_band, g.organisations, r.published_at from release_groups g "
        "join releases r on r.id = g.as_of where g.release_id = (select max(id) from releases) "
        "order by g.org_type, g.size_band"
    ).fetchall()


def next_release_due(db, interval_days):
    """Return when the next release is due, as an ISO timestamp: the latest one plus the interval, or None."""
    release = latest_release(db)
    if release is None:
        return None
    published = datetime.fromisoformat(release.published_at)
    return datetime.fromtimestamp(published.timestamp() + interval_days * 86400, UTC).isoformat(timespec="seconds")
