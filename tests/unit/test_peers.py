"""Peer groups: which may be shown (minimum size, no differencing), and what they hold."""

import itertools
import random

import pytest

from readiness.core import peers
from readiness.core.peers import ANY
from readiness.store import aggregates
from readiness.store import assessments
from readiness.store import database
from tests.conftest import submit_assessment

K = 5


def sizes_from(leaves):
    """Build group sizes from {(type, band): organisations}, as the database keeps them at every level."""
    sizes = dict(leaves)
    for (org_type, _), n in leaves.items():
        sizes[(org_type, ANY)] = sizes.get((org_type, ANY), 0) + n
        sizes[(ANY, ANY)] = sizes.get((ANY, ANY), 0) + n
    return sizes


@pytest.mark.parametrize(
    ("leaves", "shown"),
    [
        # One full leaf: it, its type and everyone are the same five organisations.
        ({("kunta", "a"): 5}, {("kunta", "a"), ("kunta", ANY), (ANY, ANY)}),
        ({("kunta", "a"): 4}, set()),
        # A type of six with a shown leaf of five would reveal the sixth by difference.
        ({("kunta", "a"): 5, ("kunta", "b"): 1}, {("kunta", "a")}),
        ({("kunta", "a"): 5, ("kunta", "b"): 5}, {("kunta", "a"), ("kunta", "b"), ("kunta", ANY), (ANY, ANY)}),
        # Leaves too small to show, but together enough: the type may be shown.
        ({("kunta", "a"): 3, ("kunta", "b"): 3}, {("kunta", ANY), (ANY, ANY)}),
        # A hidden type whose shown leaf would still let "everyone minus the rest" isolate one organisation.
        (
            {("kunta", "a"): 5, ("kunta", "b"): 1, ("yritys", "x"): 5},
            {("kunta", "a"), ("yritys", "x"), ("yritys", ANY)},
        ),
        (
            {("kunta", "a"): 5, ("kunta", "b"): 1, ("yritys", "x"): 9},
            {("kunta", "a"), ("yritys", "x"), ("yritys", ANY)},
        ),
        (
            {("kunta", "a"): 5, ("kunta", "b"): 5, ("yritys", "x"): 2, ("yritys", "y"): 3},
            {("kunta", "a"), ("kunta", "b"), ("kunta", ANY), ("yritys", ANY), (ANY, ANY)},
        ),
    ],
)
def test_shown_groups(leaves, shown):
    assert peers.shown_groups(sizes_from(leaves), K) == shown


def contains(outer, inner):
    return outer != inner and outer[0] in (ANY, inner[0]) and outer[1] in (ANY, inner[1])


def test_no_difference_of_shown_groups_isolates_fewer_than_the_minimum():
    """For random databases: a shown group minus any set of disjoint shown groups inside it leaves 0 or >= K."""
    rng = random.Random(2024)
    for _ in range(400):
        leaves = {
            (org_type, band): rng.choice([1, 1, 2, 3, 4, 5, 6, 8, 12])
            for org_type in rng.sample(["a", "b", "c"], rng.randint(1, 3))
            for band in rng.sample(["x", "y", "z"], rng.randint(1, 3))
        }
        sizes = sizes_from(leaves)
        shown = peers.shown_groups(sizes, K)
        for group in shown:
            assert sizes[group] >= K
            inside = [g for g in shown if contains(group, g)]
            for count in range(1, len(inside) + 1):
                for parts in itertools.combinations(inside, count):
                    if any(contains(p, q) or contains(q, p) for p, q in itertools.combinations(parts, 2)):
                        continue  # overlapping parts: their sum double-counts, not a difference anyone gets
                    rest = sizes[group] - sum(sizes[p] for p in parts)
                    assert rest == 0 or rest >= K, (leaves, group, parts)


def test_aggregates_count_submitted_assessments_only_and_never_free_text(fresh_db, questionnaire):
    for i in range(5):
        submit_assessment(fresh_db, questionnaire, f"t{i}", {"own_use": {"own_use": ["regularly", "none"][i % 2]}})
    assessments.create_assessment(
        fresh_db, database.hash_token("draft"), "v", "profile", ["org_type"], {"org_type": ["kunta"]}, {}
    )
    figures = aggregates.figures_for(fresh_db, "kunta", questionnaire.question("population").options[0].id, K)
    assert figures.group.key == ("kunta", "under_5000") and figures.group.organisations == 5
    counts = figures.distribution
    assert counts["own_use"] == {"regularly": 3, "none": 2}
    dump = "\n".join(fresh_db.conn.iterdump())
    assert "Vapaa vastaus" in dump  # the answers themselves hold it …
    assert all("Vapaa vastaus" not in str(row) for row in fresh_db.execute("select * from peer_counts"))


def test_percentile_and_median(fresh_db, questionnaire):
    # own_use scores by the model: regularly 100, occasionally 60, acquainted 25, none 0.
    for i, option in enumerate(["none", "acquainted", "occasionally", "regularly", "regularly"]):
        submit_assessment(fresh_db, questionnaire, f"t{i}", {"own_use": {"own_use": option}})
    figures = aggregates.figures_for(fresh_db, "kunta", "under_5000", K)
    assert figures.median("own_use") == 60
    # Two below 100, two equal (counted half): (3 + 2/2) / 5.
    assert figures.percentile("own_use", 100) == pytest.approx(80)
    assert figures.percentile("own_use", 0) == pytest.approx(10)


def test_median_of_an_even_number_of_scores(fresh_db, questionnaire):
    options = (
        ["none", "acquainted", "occasionally", "regularly", "regularly"] + ["none", "acquainted"] * 2 + ["occasionally"]
    )
    for i, option in enumerate(options):
        submit_assessment(fresh_db, questionnaire, f"t{i}", {"own_use": {"own_use": option}})
    figures = aggregates.figures_for(fresh_db, "kunta", "under_5000", K)
    assert figures.group.organisations == 10
    # Sorted 0, 0, 0, 25, 25, 25, 60, 60, 100, 100: the mean of the middle two.
    assert figures.median("own_use") == pytest.approx(25)


def test_no_median_or_percentile_from_fewer_than_the_minimum(fresh_db, questionnaire):
    """Four of five answered "don't know" about their attitude: the fifth's score must not show as a median."""
    for i in range(5):
        attitude = "very_positive" if i == 0 else "dont_know"
        submit_assessment(fresh_db, questionnaire, f"t{i}", {"own_use": {"attitude": attitude}})
    figures = aggregates.figures_for(fresh_db, "kunta", "under_5000", K)
    assert figures.group.organisations == 5
    assert figures.median("attitude") is None
    assert figures.percentile("attitude", 100) is None
    assert figures.median("own_use") is not None


@pytest.mark.parametrize(
    ("published", "live", "allowed"),
    [
        ({}, {("k", "a"): 5}, True),  # nothing was visible before
        ({("k", "a"): 4}, {("k", "a"): 5}, True),  # the four were never shown
        ({("k", "a"): 5}, {("k", "a"): 6}, False),  # the sixth would be the difference
        ({("k", "a"): 5}, {("k", "a"): 9}, False),
        ({("k", "a"): 5}, {("k", "a"): 10}, True),  # five new ones: an aggregate of five
        ({("k", "a"): 5}, {("k", "a"): 5}, True),
        ({("k", "a"): 5}, {("k", "a"): 4}, False),  # someone left: wait for a safe recount
        # Five new in the band but one more elsewhere in the type: the type's change isolates that one.
        ({("k", "a"): 5, ("k", "b"): 5}, {("k", "a"): 10, ("k", "b"): 6}, False),
        ({("k", "a"): 5, ("k", "b"): 5}, {("k", "a"): 10, ("k", "b"): 10}, True),
    ],
)
def test_may_publish(published, live, allowed):
    before = sizes_from(published) if published else {}
    shown_before = {key: {n} for key, n in before.items() if key in peers.shown_groups(before, K)}
    assert (peers.may_publish(sizes_from(live), before, shown_before, K) is not None) is allowed


def test_peers_see_a_snapshot_that_changes_only_by_safe_steps(fresh_db, questionnaire):
    def own_use_counts():
        figures = aggregates.figures_for(fresh_db, "kunta", "under_5000", K)
        return figures.group.organisations, figures.distribution["own_use"]

    for i in range(5):
        submit_assessment(fresh_db, questionnaire, f"t{i}", {"own_use": {"own_use": "regularly"}})
    assert own_use_counts() == (5, {"regularly": 5})
    # One more organisation: comparing before and after would give its answer, so nothing changes yet.
    submit_assessment(fresh_db, questionnaire, "sixth", {"own_use": {"own_use": "none"}})
    assert own_use_counts() == (5, {"regularly": 5})
    for i in range(4):
        submit_assessment(fresh_db, questionnaire, f"more-{i}", {"own_use": {"own_use": "none"}})
    assert own_use_counts() == (10, {"regularly": 5, "none": 5})


def test_profile_answers_are_not_counted_for_peers(fresh_db, questionnaire):
    for i in range(5):
        submit_assessment(fresh_db, questionnaire, f"t{i}")
    figures = aggregates.figures_for(fresh_db, "kunta", "under_5000", K)
    counted = set(figures.distribution)
    profile = questionnaire.profile_question_ids()
    assert not counted & profile
    assert "own_use" in counted


def test_no_two_published_snapshots_differ_by_fewer_than_the_minimum():
    """Random streams of submissions: whatever snapshots anyone kept, a group visible in two of them differs
    between them by nobody or by at least K organisations."""
    rng = random.Random(7)
    leaves = [(t, b) for t in ("a", "b") for b in ("x", "y", "z")]
    for _ in range(150):
        live_leaves, published, history, shown_before = {}, {}, [], {}
        for _ in range(60):
            leaf = rng.choice(leaves[: rng.randint(1, len(leaves))])
            live_leaves[leaf] = live_leaves.get(leaf, 0) + 1
            live = sizes_from(live_leaves)
            shown = peers.may_publish(live, published, shown_before, K)
            if shown is not None:
                published = live
                history.append((published, shown))
                for key in shown:
                    shown_before.setdefault(key, set()).add(live[key])
        for (first, first_shown), (second, second_shown) in itertools.combinations(history, 2):
            for group in first_shown & second_shown:
                change = second[group] - first[group]
                assert change == 0 or change >= K, (group, first, second)
