"""The PDF store: one rendering per content, shared on disk, rendered ahead, waited for, never half a file."""

import threading
import time

import pytest

from readiness.store.reports import PdfStore


class CountingRenderer:
    """A stand-in for WeasyPrint that counts its renderings and can be held back."""

    def __init__(self):
        self.rendered = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, html):
        self.rendered.append(html)
        self.release.wait(5)
        return b"%PDF " + html.encode()


@pytest.fixture
def renderer():
    return CountingRenderer()


@pytest.fixture
def store(tmp_path, renderer):
    return PdfStore(tmp_path / "reports", renderer)


def test_a_report_is_rendered_once_and_then_read_from_disk(store, renderer, tmp_path):
    assert store.get(7, "fi", "<p>raportti</p>") == b"%PDF <p>raportti</p>"
    assert store.get(7, "fi", "<p>raportti</p>") == b"%PDF <p>raportti</p>"
    assert renderer.rendered == ["<p>raportti</p>"]
    # Another worker (another store on the same folder) finds the file too.
    other = CountingRenderer()
    assert PdfStore(tmp_path / "reports", other).get(7, "fi", "<p>raportti</p>") == b"%PDF <p>raportti</p>"
    assert other.rendered == []


def test_a_changed_report_is_rendered_again_and_replaces_the_old_file(store, renderer):
    store.get(7, "fi", "<p>vanha</p>")
    store.get(7, "sv", "<p>gammal</p>")
    assert store.get(7, "fi", "<p>uusi</p>") == b"%PDF <p>uusi</p>"
    files = sorted(path.name for path in store.folder.iterdir())
    assert len(files) == 2
    assert store.path(7, "fi", "<p>uusi</p>").name in files
    assert store.path(7, "sv", "<p>gammal</p>").name in files


def test_assessments_never_share_a_file(store, renderer):
    assert store.path(7, "fi", "<p>x</p>") != store.path(8, "fi", "<p>x</p>")
    store.get(7, "fi", "<p>x</p>")
    store.get(8, "fi", "<p>x</p>")
    assert len(renderer.rendered) == 2


def test_prepare_renders_in_the_background_and_get_waits_for_it(store, renderer):
    renderer.release.clear()
    future = store.prepare(7, "en", "<p>report</p>")
    while not renderer.rendered:
        time.sleep(0.01)
    answers = []
    reader = threading.Thread(target=lambda: answers.append(store.get(7, "en", "<p>report</p>")))
    reader.start()
    time.sleep(0.1)
    assert answers == []  # waiting for the rendering under way, not starting another
    renderer.release.set()
    reader.join(5)
    future.result(5)
    assert answers == [b"%PDF <p>report</p>"]
    assert renderer.rendered == ["<p>report</p>"]


def test_prepare_does_nothing_when_the_file_is_there(store, renderer):
    store.get(7, "fi", "<p>x</p>")
    store.prepare(7, "fi", "<p>x</p>").result(5)
    assert renderer.rendered == ["<p>x</p>"]


def test_a_failed_rendering_leaves_no_file_and_is_tried_again(tmp_path):
    attempts = []

    def flaky(html):
        attempts.append(html)
        if len(attempts) == 1:
            raise OSError("no pango")
        return b"%PDF ok"

    store = PdfStore(tmp_path, flaky)
    with pytest.raises(OSError):
        store.get(1, "fi", "<p>x</p>")
    assert list(tmp_path.iterdir()) == []
    assert store.get(1, "fi", "<p>x</p>") == b"%PDF ok"


def test_forget_removes_every_pdf_of_the_assessment_only(store):
    store.get(7, "fi", "<p>a</p>")
    store.get(7, "sv", "<p>b</p>")
    store.get(17, "fi", "<p>c</p>")
    store.forget(7)
    assert [path.name for path in store.folder.iterdir()] == [store.path(17, "fi", "<p>c</p>").name]


def test_renderings_ahead_beyond_the_queue_limit_are_skipped(tmp_path, renderer):
    store = PdfStore(tmp_path, renderer, queue_limit=2)
    renderer.release.clear()
    futures = [store.prepare(n, "fi", f"<p>{n}</p>") for n in range(4)]
    assert futures[2] is None and futures[3] is None
    renderer.release.set()
    for future in futures[:2]:
        future.result(5)
    # With the queue empty again, the next one is taken.
    assert store.prepare(9, "fi", "<p>9</p>").result(5) is None
    assert sorted(renderer.rendered) == ["<p>0</p>", "<p>1</p>", "<p>9</p>"]


def test_a_rendering_under_way_when_the_assessment_is_deleted_is_not_kept(store, renderer):
    renderer.release.clear()
    future = store.prepare(7, "fi", "<p>poistettava</p>")
    while not renderer.rendered:
        time.sleep(0.01)
    store.forget(7)
    renderer.release.set()
    future.result(5)
    assert list(store.folder.glob("7-*.pdf")) == []
    # A later assessment that is given the same id keeps its PDFs.
    time.sleep(0.01)
    store.get(7, "fi", "<p>uusi</p>")
    assert len(list(store.folder.glob("7-*.pdf"))) == 1


def test_a_rendering_ahead_waits_until_the_process_serves_nobody(tmp_path, renderer):
    serving = threading.Event()
    serving.set()
    store = PdfStore(tmp_path, renderer, idle=lambda: not serving.is_set(), idle_wait=5)
    future = store.prepare(7, "fi", "<p>raportti</p>")
    time.sleep(0.3)
    # A request is being served: nothing is rendered beside it.
    assert renderer.rendered == []
    serving.clear()
    future.result(timeout=5)
    assert renderer.rendered == ["<p>raportti</p>"]
    assert store.get(7, "fi", "<p>raportti</p>") == b"%PDF <p>raportti</p>"
    assert len(renderer.rendered) == 1


def test_a_rendering_ahead_is_skipped_when_the_process_is_never_idle(tmp_path, renderer):
    store = PdfStore(tmp_path, renderer, idle=lambda: False, idle_wait=0.2)
    store.prepare(7, "fi", "<p>raportti</p>").result(timeout=5)
    assert renderer.rendered == []
    # The download renders what it needs.
    assert store.get(7, "fi", "<p>raportti</p>") == b"%PDF <p>raportti</p>"
