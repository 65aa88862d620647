"""A deletion deletes: no PDF of a deleted assessment is left on disk, whichever worker renders it and whenever
its rendering ends. Two PDF stores on one folder and one database stand for two workers (two processes); the
deletion runs through the store's own delete function and then forgets the PDFs in the worker that deleted, as
the delete route does."""

import random
import threading
import time

import pytest

from readiness.store import assessments
from readiness.store import database
from readiness.store.reports import PdfStore


class SlowRenderer:
    """A stand-in for WeasyPrint that takes a random few milliseconds."""

    def __init__(self, rng):
        self.rng = rng

    def __call__(self, html):
        time.sleep(self.rng.uniform(0, 0.03))
        return b"%PDF " + html.encode()


@pytest.fixture
def setting(tmp_path):
    path = str(tmp_path / "race.sqlite")
    db = database.connect(path)
    database.migrate(db)
    rng = random.Random(20261201)
    folder = tmp_path / "reports"
    # Two workers: each has its own store (its own memory), on the same folder and the same database.
    workers = [PdfStore(folder, SlowRenderer(rng), database=path) for _ in range(2)]
    yield db, folder, workers, rng
    db.conn.close()


def test_no_pdf_of_a_deleted_assessment_survives_a_rendering_under_way(setting):
    db, folder, (deleting, other), rng = setting
    for attempt in range(80):
        # An id may be given again once the newest assessment is deleted: every attempt may reuse the last one.
        assessment_id = assessments.create_assessment(db, f"{attempt:064d}", "v", "profile", [], {}, {})
        html = f"<p>{attempt}</p>"
        futures = [other.prepare(assessment_id, "fi", html), deleting.prepare(assessment_id, "sv", html)]
        downloads = [
            threading.Thread(target=store.get, args=(assessment_id, "en", html)) for store in (deleting, other)
        ]
        for thread in downloads:
            thread.start()
        time.sleep(rng.uniform(0, 0.04))
        assert assessments.delete_assessments(db, [assessment_id], rule=None) == [assessment_id]
        deleting.forget(assessment_id)
        for future in futures:
            if future is not None:
                future.result(5)
        for thread in downloads:
            thread.join(5)
        left = sorted(path.name for path in folder.glob(f"{assessment_id}-*"))
        assert left == [], f"attempt {attempt}: {left}"


def test_an_assessment_that_stays_keeps_its_pdf(setting):
    db, folder, (one, other), _ = setting
    assessment_id = assessments.create_assessment(db, "a" * 64, "v", "profile", [], {}, {})
    other.prepare(assessment_id, "fi", "<p>x</p>").result(5)
    assert one.get(assessment_id, "fi", "<p>x</p>") == b"%PDF <p>x</p>"
    assert [path.name for path in folder.iterdir()] == [one.path(assessment_id, "fi", "<p>x</p>").name]


def test_a_pdf_of_an_assessment_deleted_before_its_rendering_ended_is_not_kept(setting):
    db, folder, (one, _), _ = setting
    assessment_id = assessments.create_assessment(db, "a" * 64, "v", "profile", [], {}, {})
    assessments.delete_assessments(db, [assessment_id], rule=None)
    # The html was made before the deletion; the rendering ends after it, and nobody calls forget.
    assert one.get(assessment_id, "fi", "<p>x</p>") == b"%PDF <p>x</p>"
    assert list(folder.iterdir()) == []
