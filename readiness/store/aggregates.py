"""Peer aggregates: the live counts kept up to date at every submission and deletion, the snapshot peers see
(replaced only when ``core.peers.may_publish`` allows), a recount from the answers, and reads of the published
snapshot. What an assessment contributes is always ``core.peers.contribution``: submitting, deleting, a new
round and the recount apply the same rule.
"""

from datetime import UTC
from datetime import datetime

from readiness.core import peers

from .database import write_transaction
from .records import load_answers

LIVE_TABLES = ("peer_groups", "peer_counts", "peer_scores")


def count_submission(db, assessment_id, contribution, rule):
    """Count a submitted assessment's ``contribution`` for peers unless its organisation is counted already in
    this round; an organisation counted in an earlier round is counted from now on by this one (its earlier
    round's contribution, found again with ``rule``, leaves the aggregates)."""
    organisation_id, round_number = db.execute(
        "select organisation_id, round from assessments where id = ?", [assessment_id]
    ).fetchone()
    current = db.execute(
        "select id, round from assessments where organisation_id = ? and counted = 1", [organisation_id]
    ).fetchone()
    if current is not None and current[1] >= round_number:
        return
    if current is not None:
        uncount(db, current[0], rule)
    _add(db, organisation_id, contribution, +1)
    db.execute("update assessments set counted = 1 where id = ?", [assessment_id])


def uncount(db, assessment_id, rule):
    """Take a counted assessment's answers out of the live peer aggregates and withhold the published groups
    that held them; return those groups. ``rule(choices)`` is ``core.peers.contribution`` bound to the
    questionnaire and model: submitted answers never change, so applying it again gives what was counted."""
    organisation_id = db.execute("select organisation_id from assessments where id = ?", [assessment_id]).fetchone()[0]
    contribution = rule(load_answers(db, assessment_id).choices)
    db.execute("update assessments set counted = 0 where id = ?", [assessment_id])
    return _add(db, organisation_id, contribution, -1)


def withhold(db, groups):
    """Take groups out of the published snapshot (after a deletion), until enough has changed to show them."""
    for table in LIVE_TABLES:
        db.conn.executemany(f"delete from published_{table} where org_type = ? and size_band = ?", groups)


def count_replacement(db, organisation_id, rule):
    """Count for peers the first submitted assessment of the organisation's latest round that has one."""
    row = db.execute(
        "select id from assessments where organisation_id = ? and status = 'submitted' "
        "order by round desc, submitted_at, id limit 1",
        [organisation_id],
    ).fetchone()
    if row is None:
        return
    _add(db, organisation_id, rule(load_answers(db, row[0]).choices), +1)
    db.execute("update assessments set counted = 1 where id = ?", [row[0]])


def _add(db, organisation_id, contribution, delta):
    """Add (``delta`` 1) or remove (-1) one organisation's contribution to or from every live group it counts
    in, and note the organisation as changed in each."""
    groups = contribution.groups()
    for group in groups:
        _count_into_group(db, group, contribution.choices, contribution.scores, delta)
        db.execute(
            "insert or ignore into peer_changed_organisations (org_type, size_band, organisation_id) values (?, ?, ?)",
            [*group, organisation_id],
        )
    if delta < 0:
        for table in LIVE_TABLES:
            db.execute(f"delete from {table} where organisations <= 0")
    return groups


def _count_into_group(db, group, choices, scores, delta):
    db.execute(
        "insert into peer_groups (org_type, size_band, organisations) values (?, ?, ?) "
        "on conflict do update set organisations = organisations + excluded.organisations",
        [*group, delta],
    )
    db.conn.executemany(
        "insert into peer_counts (org_type, size_band, answer_key, option_id, organisations) values (?, ?, ?, ?, ?) "
        "on conflict do update set organisations = organisations + excluded.organisations",
        [(*group, key, option, delta) for key, options in choices.items() for option in options],
    )
    db.conn.executemany(
        "insert into peer_scores (org_type, size_band, dimension, value, organisations) values (?, ?, ?, ?, ?) "
        "on conflict do update set organisations = organisations + excluded.organisations",
        [(*group, dimension, value, delta) for dimension, value in scores.items() if value is not None],
    )


def _group_sizes(db, table):
    return {(t, b): n for t, b, n in db.execute(f"select org_type, size_band, organisations from {table}")}


def publish_if_safe(db, minimum):
    """Replace the snapshot peers see by the live aggregates if ``core.peers.may_publish`` allows it."""
    shown_before = {}
    for org_type, size_band, organisations in db.execute("select * from peer_shown_sizes"):
        shown_before.setdefault((org_type, size_band), set()).add(organisations)
    live = _group_sizes(db, "peer_groups")
    changes = {
        (t, b): n
        for t, b, n in db.execute(
            "select org_type, size_band, count(*) from peer_changed_organisations group by org_type, size_band"
        )
    }
    shown = peers.may_publish(live, published_sizes(db), shown_before, minimum, changes=changes)
    if shown is None:
        return
    # A group's changes count from the last snapshot that showed it: one hidden for a while (or withheld
    # after a deletion) comes back only when enough has changed since anyone saw it.
    db.conn.executemany("delete from peer_changed_organisations where org_type = ? and size_band = ?", list(shown))
    for table in LIVE_TABLES:
        db.execute(f"delete from published_{table}")
        db.execute(f"insert into published_{table} select * from {table}")
    db.conn.executemany(
        "insert or ignore into peer_shown_sizes (org_type, size_band, organisations) values (?, ?, ?)",
        [(*key, live[key]) for key in shown],
    )
    db.execute("update revisions set value = ? where name = 'peers_published_at'", [int(datetime.now(UTC).timestamp())])
    bump_results_revision(db)


def rebuild(db, rule, minimum):
    """Recount every peer group from the counted assessments' answers with ``rule`` (``core.peers.contribution``
    bound to the questionnaire and model, as at submission), then publish the result if it is safe to show."""
    with write_transaction(db):
        for table in LIVE_TABLES:
            db.execute(f"delete from {table}")
        counted = [row[0] for row in db.execute("select id from assessments where counted = 1 order by id")]
        choices = {assessment_id: {} for assessment_id in counted}
        for assessment_id, key, option in db.execute(
            "select answers.assessment_id, question_id, option_id from answers join assessments "
            "on assessments.id = answers.assessment_id where assessments.counted = 1 order by answers.rowid"
        ):
            choices[assessment_id].setdefault(key, []).append(option)
        live = {}
        for assessment_id in counted:
            contribution = rule(choices[assessment_id])
            for group in contribution.groups():
                live.setdefault(group, []).append(contribution)
        for group, contributions in live.items():
            _count_group(db, group, contributions)
        publish_if_safe(db, minimum)


def _count_group(db, group, contributions):
    """Write one group's live aggregates from its contributions, in three bulk inserts."""
    options, scores = {}, {}
    for contribution in contributions:
        for key, chosen in contribution.choices.items():
            for option in chosen:
                options[(key, option)] = options.get((key, option), 0) + 1
        for dimension, value in contribution.scores.items():
            if value is not None:
                scores[(dimension, value)] = scores.get((dimension, value), 0) + 1
    db.execute("insert into peer_groups values (?, ?, ?)", [*group, len(contributions)])
    db.conn.executemany("insert into peer_counts values (?, ?, ?, ?, ?)", [(*group, *k, n) for k, n in options.items()])
    db.conn.executemany("insert into peer_scores values (?, ?, ?, ?, ?)", [(*group, *k, n) for k, n in scores.items()])


def bump_results_revision(db):
    """Mark every rendered results page stale: peer aggregates, reference figures or the set of ids changed."""
    db.execute("update revisions set value = value + 1 where name = 'results'")


def peers_published_at(db):
    """Return when peers' snapshot was last replaced, as an ISO timestamp, or None if never."""
    seconds = db.execute("select value from revisions where name = 'peers_published_at'").fetchone()[0]
    return datetime.fromtimestamp(seconds, UTC).isoformat() if seconds else None


def published_sizes(db):
    """Return {(org_type, size_band): organisations} of every group in the published snapshot."""
    return _group_sizes(db, "published_peer_groups")


def group_figures(db, group, minimum):
    """Return the published figures of a shown group (``core.peers.Group``) as ``core.peers.GroupFigures``."""
    distribution = {}
    for key, option, organisations in db.execute(
        "select answer_key, option_id, organisations from published_peer_counts where org_type = ? and size_band = ?",
        group.key,
    ):
        distribution.setdefault(key, {})[option] = organisations
    score_counts = {}
    for dimension, value, organisations in db.execute(
        "select dimension, value, organisations from published_peer_scores "
        "where org_type = ? and size_band = ? order by dimension, value",
        group.key,
    ):
        score_counts.setdefault(dimension, []).append((value, organisations))
    return peers.GroupFigures(group, minimum, distribution, score_counts)


def published_counts(db):
    """Yield (org_type, size_band, answer_key, option_id, organisations) of the published snapshot, in order."""
    yield from db.execute(
        "select org_type, size_band, answer_key, option_id, organisations from published_peer_counts "
        "order by org_type, size_band, answer_key, option_id"
    )


def figures_for(db, org_type, size_band, minimum):
    """Return the published figures of an organisation's narrowest shown group (its type and size band, its
    type, or everyone), or None when no group may be shown."""
    group = peers.group_for(published_sizes(db), org_type, size_band, minimum)
    return group_figures(db, group, minimum) if group else None
