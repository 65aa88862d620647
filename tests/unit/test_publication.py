"""Releases as organisations come, change and go, in the store on an in-memory database: after a deletion the
cell that held the organisation repeats its published figures, dated, until enough has changed for new ones; a
deletion makes every rendered page stale."""

from readiness.core.peers import ANY
from readiness.core.peers import Group
from readiness.core.releases import CARRIED
from readiness.core.releases import FRESH
from readiness.store import assessments
from readiness.store import records
from readiness.store import releases
from tests.conftest import peer_rule
from tests.conftest import release
from tests.conftest import submit_assessment


def everyone_figures(db):
    """The figures the latest release shows for everyone: answer counts and score counts."""
    return releases.group_figures(db, Group(ANY, ANY, 0))


def test_after_a_deletion_a_cell_repeats_its_published_figures_until_enough_change(fresh_db, questionnaire):
    ids = [submit_assessment(fresh_db, questionnaire, f"peer-{i}") for i in range(6)]
    first = release(fresh_db)
    published = everyone_figures(fresh_db)
    first_date = releases.as_of(fresh_db, (ANY, ANY))

    assessments.delete_assessments(fresh_db, [ids[0]], peer_rule())
    # New figures from the five left would differ from the published ones by the deleted organisation alone: the
    # next release repeats the published figures, with their date, and counts the deletion in no new figure.
    second = release(fresh_db)
    assert set(second.cells.values()) == {CARRIED}
    assert releases.release_sizes(fresh_db)[(ANY, ANY)] == 6
    assert everyone_figures(fresh_db) == published
    assert releases.as_of(fresh_db, (ANY, ANY)) == first_date
    # One more organisation puts the cell back at its old size with other members: two changed, still repeated.
    submit_assessment(fresh_db, questionnaire, "peer-6")
    assert set(release(fresh_db).cells.values()) == {CARRIED}
    for i in range(7, 10):
        submit_assessment(fresh_db, questionnaire, f"peer-{i}")
    # One left and four joined since the cell was last computed: five organisations changed.
    assert set(release(fresh_db).cells.values()) == {FRESH}
    assert releases.release_sizes(fresh_db)[(ANY, ANY)] == 9
    assert everyone_figures(fresh_db) != published
    assert set(first.cells.values()) == {FRESH}


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
