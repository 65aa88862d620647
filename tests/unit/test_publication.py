"""Releases as organisations come, change and go, in the store on an in-memory database: a deletion withholds
the cell that held the organisation until enough has changed, and makes every rendered page stale."""

from readiness.core.peers import ANY
from readiness.store import assessments
from readiness.store import records
from readiness.store import releases
from tests.conftest import peer_rule
from tests.conftest import release
from tests.conftest import submit_assessment


def test_a_withheld_cell_comes_back_after_enough_change(fresh_db, questionnaire):
    ids = [submit_assessment(fresh_db, questionnaire, f"peer-{i}") for i in range(6)]
    release(fresh_db)
    assert releases.release_sizes(fresh_db)[(ANY, ANY)] == 6

    assessments.delete_assessments(fresh_db, [ids[0]], peer_rule())
    # Peers see the published release until the next one, which withholds the cell: its figures held the
    # deleted organisation, and one organisation's change must not show.
    assert releases.release_sizes(fresh_db)[(ANY, ANY)] == 6
    release(fresh_db)
    assert releases.release_sizes(fresh_db) == {}
    # One more organisation puts the cell back at its old size with other members: two changed, still withheld.
    submit_assessment(fresh_db, questionnaire, "peer-6")
    release(fresh_db)
    assert releases.release_sizes(fresh_db) == {}
    for i in range(7, 10):
        submit_assessment(fresh_db, questionnaire, f"peer-{i}")
    # One left and four joined since the cell was last shown: five organisations changed.
    release(fresh_db)
    assert releases.release_sizes(fresh_db)[(ANY, ANY)] == 9


def test_a_deletion_makes_every_rendered_page_stale(fresh_db, questionnaire):
    """A deleted id may be given to a new assessment; nothing rendered before the deletion may be reused."""
    assessment = submit_assessment(fresh_db, questionnaire, "d" * 43)
    organisation = fresh_db.execute("select organisation_id from assessments").fetchone()[0]
    before = records.results_revisions(fresh_db, organisation)
    assessments.delete_assessments(fresh_db, [assessment], peer_rule())
    assert records.results_revisions(fresh_db, organisation)[0] != before[0]


def test_the_first_start_with_submitted_assessments_publishes_the_first_release(tmp_path, questionnaire):
    """After the upgrade from live aggregates (or on any database with submissions and no release), peers see
    released figures at once; starting again publishes nothing more."""
    from readiness import create_app
    from readiness.store import database

    path = str(tmp_path / "upgrade.sqlite")
    db = database.connect(path)
    database.migrate(db)
    for i in range(7):
        submit_assessment(db, questionnaire, f"first-{i}")
    assert releases.latest_release(db) is None
    for _ in range(2):
        create_app({"TESTING": True, "DATABASE": path, "SECRET_KEY": "t", "PDF_RENDER_AHEAD": False})
    assert [r.organisations for r in releases.recent_releases(db)] == [7]
    db.conn.close()
