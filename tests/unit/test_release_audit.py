"""The auditor as a test: random histories of organisations joining, answering new rounds and deleting, with
releases in between, run through the real store on an in-memory SQLite database; every view ever published is
searched for a combination (integer coefficients, ±1 among them) that isolates 1 to k-1 organisations. None
may exist. The search (tests/release_history.py) is independent of the auditor's own reasoning."""

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from readiness.store import database
from tests.release_history import ANSWERS
from tests.release_history import GROUPS
from tests.release_history import History
from tests.release_history import isolating_combination
from tests.release_history import views_and_owners

STEP = st.one_of(
    st.tuples(st.just("join"), st.sampled_from(sorted(GROUPS)), st.sampled_from(ANSWERS)),
    st.tuples(st.just("round"), st.integers(0, 1000), st.sampled_from(ANSWERS)),
    st.tuples(st.just("delete"), st.integers(0, 1000)),
    st.tuples(
        st.just("release"),
    ),
)


def run(history, steps):
    for step in steps:
        kind = step[0]
        if kind == "join":
            history.join(step[1], step[2])
        elif kind == "release":
            history.release()
        elif history.organisations:
            organisation = history.organisations[step[1] % len(history.organisations)]
            if kind == "round":
                history.new_round(organisation, step[2])
            else:
                history.delete(organisation)
    history.release()


@pytest.fixture
def fresh():
    def make():
        db = database.connect(":memory:")
        database.migrate(db)
        return db

    return make


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minimum=st.sampled_from([3, 4, 5]), steps=st.lists(STEP, min_size=5, max_size=45))
def test_no_combination_of_published_views_isolates_fewer_than_the_minimum(fresh, minimum, steps):
    db = fresh()
    try:
        history = History(db, minimum)
        run(history, steps)
        views, owners = views_and_owners(history)
        assert isolating_combination(views, owners, minimum) is None
    finally:
        db.conn.close()


def test_the_search_finds_what_it_should():
    """The search itself: the four-release inclusion-exclusion attack (A, A+D, A+E, A+D+E+x) isolates x, and a
    view of fewer than the minimum isolates its members."""
    a, d, e = ({f"{p}{i}" for i in range(5)} for p in "ade")
    views = {1: a, 2: a | d, 3: a | e, 4: a | d | e | {"x"}}
    owners = {unit: unit for unit in set().union(*views.values())}
    assert isolating_combination(views, owners, 5) == {"x"}
    assert isolating_combination({1: {"p", "q"}}, {"p": 1, "q": 2}, 5) == {1, 2}
    assert isolating_combination({1: a, 2: a | d}, owners, 5) is None
