"""Publishing peer groups as organisations come, change and go, in the store on an in-memory database: a deletion
withholds the groups that held the organisation until enough other organisations have changed, one organisation
changing many times counts once, and a deletion makes every rendered page stale."""

from readiness.store import assessments
from readiness.store import database
from readiness.store import organisations
from readiness.store import records
from tests.conftest import peer_rule
from tests.conftest import submit_assessment


def test_a_withheld_group_comes_back_after_enough_change(fresh_db, questionnaire):
    ids = [submit_assessment(fresh_db, questionnaire, f"peer-{i}") for i in range(6)]

    assessments.delete_assessments(fresh_db, [ids[0]], peer_rule())
    assert fresh_db.execute("select count(*) from published_peer_groups").fetchone() == (0,)
    # One more organisation puts the group back at its old size with other members: still withheld.
    submit_assessment(fresh_db, questionnaire, "peer-6")
    assert fresh_db.execute("select count(*) from published_peer_groups").fetchone() == (0,)
    for i in range(7, 11):
        submit_assessment(fresh_db, questionnaire, f"peer-{i}")
    # Five changes since it was last shown, and 10 differs from the 6 shown before by at least five.
    assert fresh_db.execute("select organisations from published_peer_groups where org_type = '*'").fetchone() == (10,)


def test_one_organisation_changing_many_times_counts_once_for_publication(fresh_db, questionnaire):
    """An attacker's new rounds and deletion must not make a victim's single submission publishable."""

    for i in range(4):
        submit_assessment(fresh_db, questionnaire, f"peer-{i}")
    attacker = submit_assessment(fresh_db, questionnaire, "attacker")
    assert fresh_db.execute("select organisations from published_peer_groups where org_type = '*'").fetchone() == (5,)
    profile = questionnaire.section("profile")
    keys = [key for q in profile.questions for key in q.answer_keys()]
    for number in (2, 3):
        attacker = organisations.start_round(
            fresh_db, attacker, database.hash_token(f"round-{number}"), questionnaire.version, "profile", keys
        )
        for section in questionnaire.sections[1:]:
            section_keys = [key for q in section.questions for key in q.answer_keys()]
            assessments.save_section(fresh_db, attacker, section.id, section_keys, {}, {})
        assessments.submit(fresh_db, attacker, [s.id for s in questionnaire.sections], peer_rule(), 5)
    organisation = fresh_db.execute("select organisation_id from assessments where id = ?", [attacker]).fetchone()[0]
    assessments.delete_organisation(fresh_db, organisation, peer_rule())
    submit_assessment(fresh_db, questionnaire, "victim", {"own_use": {"attitude": "fairly_negative"}})
    # Two organisations changed (the attacker and the victim): fewer than five, so nothing is shown.
    assert fresh_db.execute("select count(*) from published_peer_groups where org_type = '*'").fetchone() == (0,)


def test_a_deletion_makes_every_rendered_page_stale(fresh_db, questionnaire):
    """A deleted id may be given to a new assessment; nothing rendered before the deletion may be reused."""
    assessment = submit_assessment(fresh_db, questionnaire, "d" * 43)
    organisation = fresh_db.execute("select organisation_id from assessments").fetchone()[0]
    before = records.results_revisions(fresh_db, organisation)
    assessments.delete_assessments(fresh_db, [assessment], peer_rule())
    assert records.results_revisions(fresh_db, organisation)[0] != before[0]
