"""Storage without an app: migrations, atomic section saves, submission, and no lost concurrent writes."""

import multiprocessing
import sqlite3

import pytest

from readiness import storage


def new_assessment(db, token="t"):
    return storage.create_assessment(
        db,
        storage.hash_token(token),
        "v1",
        "profile",
        ["org_type", "org_name"],
        {"org_type": ["kunta"]},
        {"org_name": "Esimerkkilä"},
    )


def test_migrations_create_the_tables_and_are_idempotent(fresh_db):
    storage.migrate(fresh_db)
    assert {"assessments", "answers", "free_texts", "saved_sections"} <= set(fresh_db.table_names())
    assert storage.migrations.pending(fresh_db) == []


def test_a_file_database_runs_in_wal_mode(tmp_path):
    db = storage.connect(str(tmp_path / "x.sqlite"))
    storage.migrate(db)
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_per_question_counts_are_one_indexed_group_by(fresh_db):
    plan = " ".join(
        row[-1]
        for row in fresh_db.execute(
            "explain query plan select option_id, count(*) from answers where question_id = ? group by option_id",
            ["org_type"],
        )
    )
    assert "USING COVERING INDEX idx_answers_question_id_option_id" in plan
    assert "TEMP B-TREE" not in plan


def test_create_stores_the_first_section_with_only_the_token_hash(fresh_db):
    assessment_id = new_assessment(fresh_db, "secret-token")
    stored = fresh_db.execute("select token_hash, status from assessments").fetchone()
    assert stored == (storage.hash_token("secret-token"), "draft")
    assert "secret-token" not in str(list(fresh_db["assessments"].rows))
    answers = storage.load_answers(fresh_db, assessment_id)
    assert answers.choices == {"org_type": ["kunta"]}
    assert answers.texts == {"org_name": "Esimerkkilä"}
    assert answers.saved_sections == {"profile"}


def test_saving_a_section_replaces_only_that_sections_answers(fresh_db):
    assessment_id = new_assessment(fresh_db)
    storage.save_section(fresh_db, assessment_id, "support", ["support"], {"support": ["licences", "training"]}, {})
    storage.save_section(
        fresh_db, assessment_id, "profile", ["org_type", "org_name"], {"org_type": ["muu"]}, {"org_name": ""}
    )
    answers = storage.load_answers(fresh_db, assessment_id)
    assert answers.choices == {"org_type": ["muu"], "support": ["licences", "training"]}
    assert answers.texts == {}


def test_a_failed_save_leaves_nothing_half_written(fresh_db):
    assessment_id = new_assessment(fresh_db)
    with pytest.raises(sqlite3.IntegrityError):
        # The same option twice breaks the primary key after the old answers were deleted.
        storage.save_section(fresh_db, assessment_id, "profile", ["org_type"], {"org_type": ["kunta", "kunta"]}, {})
    assert storage.load_answers(fresh_db, assessment_id).choices == {"org_type": ["kunta"]}
    assert not fresh_db.conn.in_transaction


def summarise(answers):
    return ("kunta", "10000_19999"), {"support": 0.0, "attitude": None}, answers.choices


def always(live, published, shown_before, changes):
    return set(live)


def test_submit_needs_every_section_and_then_locks(fresh_db):
    assessment_id = new_assessment(fresh_db)
    with pytest.raises(storage.SectionsMissing):
        storage.submit(fresh_db, assessment_id, ["profile", "support"], summarise, always)
    storage.save_section(fresh_db, assessment_id, "support", ["support"], {"support": ["none"]}, {})
    storage.submit(fresh_db, assessment_id, ["profile", "support"], summarise, always)
    assessment = storage.find_assessment(fresh_db, storage.hash_token("t"))
    assert assessment.submitted and assessment.submitted_at
    with pytest.raises(storage.AssessmentLocked):
        storage.save_section(fresh_db, assessment_id, "support", ["support"], {"support": ["training"]}, {})
    assert storage.load_answers(fresh_db, assessment_id).choices["support"] == ["none"]


def test_submit_stores_the_group_and_scores_and_counts_the_peers(fresh_db):
    assessment_id = new_assessment(fresh_db)
    storage.submit(fresh_db, assessment_id, ["profile"], summarise, always)
    assessment = storage.find_assessment(fresh_db, storage.hash_token("t"))
    assert (assessment.org_type, assessment.size_band) == ("kunta", "10000_19999")
    # A dimension without a score (None) is not stored as a number.
    assert fresh_db.execute("select dimension, value from assessment_scores").fetchall() == [("support", 0.0)]
    groups = dict(((t, b), n) for t, b, n in fresh_db.execute("select * from peer_groups"))
    assert groups == {("*", "*"): 1, ("kunta", "*"): 1, ("kunta", "10000_19999"): 1}
    counts = fresh_db.execute(
        "select org_type, size_band, answer_key, option_id, organisations from peer_counts"
    ).fetchall()
    assert sorted(counts) == sorted(
        [
            ("*", "*", "org_type", "kunta", 1),
            ("kunta", "*", "org_type", "kunta", 1),
            ("kunta", "10000_19999", "org_type", "kunta", 1),
        ]
    )
    assert "Esimerkkilä" not in str(counts)


def test_rebuilding_the_peer_aggregates_gives_the_same_counts(fresh_db):
    for token in ("a", "b", "c"):
        storage.submit(fresh_db, new_assessment(fresh_db, token), ["profile"], summarise, always)
    new_assessment(fresh_db, "draft")

    def aggregates():
        return [
            sorted(fresh_db.execute(f"select * from {prefix}{table}").fetchall())
            for prefix in ("", "published_")
            for table in ("peer_counts", "peer_groups", "peer_scores")
        ]

    before = aggregates()
    storage.rebuild_peer_aggregates(fresh_db, always)
    after = aggregates()
    assert before == after
    assert ("*", "*", 3) in after[1]
    assert ("kunta", "10000_19999", "support", 0.0, 3) in after[2]


def test_find_assessment_of_an_unknown_token_is_none(fresh_db):
    assert storage.find_assessment(fresh_db, storage.hash_token("nope")) is None


def _writer(path, worker, count, results):
    db = storage.connect(path)
    acknowledged = []
    for i in range(count):
        token = f"{worker}-{i}"
        storage.create_assessment(
            db, storage.hash_token(token), "v1", "profile", ["org_type"], {"org_type": ["kunta"]}, {}
        )
        acknowledged.append(token)
    results.put(acknowledged)


def test_concurrent_writers_lose_nothing(tmp_path):
    path = str(tmp_path / "concurrent.sqlite")
    storage.migrate(storage.connect(path))
    results = multiprocessing.get_context("fork").Queue()
    workers = [
        multiprocessing.get_context("fork").Process(target=_writer, args=(path, w, 150, results)) for w in range(4)
    ]
    for worker in workers:
        worker.start()
    acknowledged = [token for _ in workers for token in results.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    db = storage.connect(path)
    assert db["assessments"].count == len(acknowledged) == 600
    assert db["answers"].count == 600
