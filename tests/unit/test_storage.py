"""Storage without an app: migrations, atomic section saves, submission, and no lost concurrent writes."""

import multiprocessing
import sqlite3

import pytest

from readiness.store import assessments
from readiness.store import database
from readiness.store import figures
from readiness.store import records
from readiness.store import releases
from readiness.store.migrations import migrations
from tests.conftest import peer_rule
from tests.conftest import release
from tests.conftest import submit_assessment


def new_assessment(db, token="t"):
    return assessments.create_assessment(
        db,
        database.hash_token(token),
        "v1",
        "profile",
        ["org_type", "org_name"],
        {"org_type": ["kunta"]},
        {"org_name": "Esimerkkilä"},
    )


def test_migrations_create_the_tables_and_are_idempotent(fresh_db):
    database.migrate(fresh_db)
    assert {"assessments", "answers", "free_texts", "saved_sections"} <= set(fresh_db.table_names())
    assert migrations.pending(fresh_db) == []


def test_a_file_database_runs_in_wal_mode(tmp_path):
    db = database.connect(str(tmp_path / "x.sqlite"))
    database.migrate(db)
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_the_consoles_per_region_counts_read_the_question_index_in_order(fresh_db):
    """The console counts organisations per region with the query it runs, figures.REGION_COUNTS: the answers
    through the index on (question, option), grouped in its order (the one sort is the window's, which picks
    each organisation's assessment)."""
    plan = " ".join(row[-1] for row in fresh_db.execute("explain query plan " + figures.REGION_COUNTS, ["region"]))
    assert "answers USING INDEX idx_answers_question_id_option_id (question_id=?)" in plan
    assert "TEMP B-TREE FOR GROUP BY" not in plan


def test_create_stores_the_first_section_with_only_the_token_hash(fresh_db):
    assessment_id = new_assessment(fresh_db, "secret-token")
    stored = fresh_db.execute("select token_hash, status from assessments").fetchone()
    assert stored == (database.hash_token("secret-token"), "draft")
    assert "secret-token" not in str(list(fresh_db["assessments"].rows))
    answers = records.load_answers(fresh_db, assessment_id)
    assert answers.choices == {"org_type": ["kunta"]}
    assert answers.texts == {"org_name": "Esimerkkilä"}
    assert answers.saved_sections == {"profile"}


def test_saving_a_section_replaces_only_that_sections_answers(fresh_db):
    assessment_id = new_assessment(fresh_db)
    assessments.save_section(fresh_db, assessment_id, "support", ["support"], {"support": ["licences", "training"]}, {})
    assessments.save_section(
        fresh_db, assessment_id, "profile", ["org_type", "org_name"], {"org_type": ["muu"]}, {"org_name": ""}
    )
    answers = records.load_answers(fresh_db, assessment_id)
    assert answers.choices == {"org_type": ["muu"], "support": ["licences", "training"]}
    assert answers.texts == {}


def test_a_failed_save_leaves_nothing_half_written(fresh_db):
    assessment_id = new_assessment(fresh_db)
    with pytest.raises(sqlite3.IntegrityError):
        # The same option twice breaks the primary key after the old answers were deleted.
        assessments.save_section(fresh_db, assessment_id, "profile", ["org_type"], {"org_type": ["kunta", "kunta"]}, {})
    assert records.load_answers(fresh_db, assessment_id).choices == {"org_type": ["kunta"]}
    assert not fresh_db.conn.in_transaction


def test_submit_needs_every_section_and_then_locks(fresh_db):
    assessment_id = new_assessment(fresh_db)
    with pytest.raises(assessments.SectionsMissing):
        assessments.submit(fresh_db, assessment_id, ["profile", "support"], peer_rule())
    assessments.save_section(fresh_db, assessment_id, "support", ["support"], {"support": ["none"]}, {})
    assessments.submit(fresh_db, assessment_id, ["profile", "support"], peer_rule())
    assessment = records.find_assessment(fresh_db, database.hash_token("t"))
    assert assessment.submitted and assessment.submitted_at
    with pytest.raises(assessments.AssessmentLocked):
        assessments.save_section(fresh_db, assessment_id, "support", ["support"], {"support": ["training"]}, {})
    assert records.load_answers(fresh_db, assessment_id).choices["support"] == ["none"]


def test_submit_stores_the_group_and_scores_and_counts_the_survey_answers_only(fresh_db, questionnaire):
    assessment_id = submit_assessment(fresh_db, questionnaire, "t", {"profile": {"population": "10000_19999"}})
    assessment = records.find_assessment(fresh_db, database.hash_token("t"))
    assert (assessment.org_type, assessment.size_band) == ("kunta", "10000_19999")
    expected = peer_rule()([records.load_answers(fresh_db, assessment_id).choices])
    stored = dict(fresh_db.execute("select dimension, value from assessment_scores").fetchall())
    # A dimension without a score (None) is not stored as a number.
    assert stored == {d: v for d, v in expected.scores.items() if v is not None}
    # The round's contribution to peers: its group, and the survey's answers only, never the profile or text.
    contribution = fresh_db.execute("select org_type, size_band, assessment_ids from round_contributions").fetchall()
    assert contribution == [("kunta", "10000_19999", str(assessment_id))]
    unit = fresh_db.execute("select unit from round_contributions").fetchone()[0]
    choices, scores = releases.contribution_items(fresh_db, unit)
    assert choices and not set(choices) & questionnaire.profile_question_ids()
    assert scores == stored
    assert "Esimerkkil" not in str(fresh_db.execute("select * from contribution_items").fetchall())


def test_a_release_counts_what_the_organisations_answered(fresh_db, questionnaire):
    """A release's figures, counted here straight from the answers table (one respondent per organisation),
    cell by cell; a draft counts for nothing."""
    variations = [{}] * 5 + [{"profile": {"org_type": "hyvinvointialue", "population": "200000_plus"}}] * 5
    for number, changes in enumerate(variations):
        submit_assessment(fresh_db, questionnaire, f"org-{number}", changes)
    new_assessment(fresh_db, "draft")
    release(fresh_db)
    profile = questionnaire.profile_question_ids()
    expected = {}
    for org_type, _band, key, option in fresh_db.execute(
        "select a.org_type, a.size_band, question_id, option_id from answers join assessments a "
        "on a.id = answers.assessment_id where a.status = 'submitted'"
    ):
        if key.split(".")[0] not in profile:
            cell = (org_type, "under_5000" if org_type == "kunta" else "*")
            expected[(*cell, key, option)] = expected.get((*cell, key, option), 0) + 1
    released = {tuple(row[:4]): row[4] for row in releases.released_counts(fresh_db)}
    # The cells: municipalities by size, wellbeing services counties as one ("*"); not the type or everyone.
    assert {
        k: n for k, n in released.items() if k[0] == "hyvinvointialue" or k[:2] == ("kunta", "under_5000")
    } == expected


def test_a_release_leaves_out_options_the_questionnaire_no_longer_has(fresh_db, questionnaire):
    """An option that has left the questionnaire is not counted (the rule is one function)."""
    first = submit_assessment(fresh_db, questionnaire, "first")
    # An answer the questionnaire no longer offers, as if an option had been removed since it was given.
    with database.write_transaction(fresh_db):
        fresh_db.execute(
            "insert into answers (assessment_id, question_id, option_id) values (?, 'support', 'withdrawn_option')",
            [first],
        )
        organisation = fresh_db.execute("select organisation_id from assessments where id = ?", [first]).fetchone()[0]
        releases.refresh_contribution(fresh_db, organisation, 1, peer_rule())
    for number in range(5):
        submit_assessment(fresh_db, questionnaire, f"org-{number}")
    release(fresh_db)
    assert "withdrawn_option" not in str(list(releases.released_counts(fresh_db)))
    assert releases.release_sizes(fresh_db)[("*", "*")] == 6


def test_find_assessment_of_an_unknown_token_is_none(fresh_db):
    assert records.find_assessment(fresh_db, database.hash_token("nope")) is None


def _writer(path, worker, count, results):
    db = database.connect(path)
    acknowledged = []
    for i in range(count):
        token = f"{worker}-{i}"
        assessments.create_assessment(
            db, database.hash_token(token), "v1", "profile", ["org_type"], {"org_type": ["kunta"]}, {}
        )
        acknowledged.append(token)
    results.put(acknowledged)


def test_concurrent_writers_lose_nothing(tmp_path):
    path = str(tmp_path / "concurrent.sqlite")
    database.migrate(database.connect(path))
    # Spawned, not forked: a fork copies the test process's threads' locks (a PDF rendering ahead in the
    # shared test server, inside SQLite or a font library), and a child could wait on one forever.
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_writer, args=(path, w, 150, results)) for w in range(4)]
    for worker in workers:
        worker.start()
    acknowledged = [token for _ in workers for token in results.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    db = database.connect(path)
    assert db["assessments"].count == len(acknowledged) == 600
    assert db["answers"].count == 600
