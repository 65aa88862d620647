"""PDF reports kept on disk, shared by every worker, and rendered ahead of the download.

Rendering a report takes WeasyPrint about a second, so the PDF is rendered once per content: its file is
named by the assessment, the language and a hash of the HTML it renders, so it stays valid exactly as long
as the report says the same thing. A worker can start the rendering in a background thread when the
results page is shown; a download that finds the rendering under way waits for it instead of starting
another. Nothing here knows Flask.
"""

import hashlib
import os
import threading
import time
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


class PdfStore:
    """The rendered PDF reports of one service: a folder of files and a background renderer."""

    def __init__(self, folder, render, queue_limit=2):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._render = render
        # Renderings ahead are a convenience: beyond this many waiting, more are skipped (the download renders
        # what it needs), so that a busy worker neither falls behind nor waits long for its queue at shutdown.
        self.queue_limit = queue_limit
        self._queued = 0
        # When each assessment's PDFs were last forgotten: a rendering that began before is not kept.
        self._forgotten = {}
        # One thread: a second would only compete with the first (and with requests) for the same cores.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf")
        self._pending = {}
        self._lock = threading.Lock()

    def path(self, assessment_id, lang, html):
        """Return the file that holds (or will hold) the PDF of ``html``."""
        digest = hashlib.sha256(html.encode()).hexdigest()[:32]
        return self.folder / f"{assessment_id}-{lang}-{digest}.pdf"

    def get(self, assessment_id, lang, html):
        """Return the PDF of ``html``: from disk, from the rendering under way, or rendered now."""
        path = self.path(assessment_id, lang, html)
        with self._lock:
            pending = self._pending.get(path)
        if pending is not None:
            return pending.result()
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return self._render_into(path, assessment_id, lang, html)

    def prepare(self, assessment_id, lang, html):
        """Start rendering ``html`` in the background unless it is done or under way, or too many wait
        already. Return the future, or None if skipped."""
        path = self.path(assessment_id, lang, html)

        def run():
            try:
                if not path.exists():
                    self._render_into(path, assessment_id, lang, html)
            finally:
                with self._lock:
                    self._queued -= 1

        with self._lock:
            if self._queued >= self.queue_limit:
                return None
            self._queued += 1
        return self._executor.submit(run)

    def forget(self, assessment_id):
        """Remove every PDF of an assessment (its data was deleted), also one still being rendered."""
        with self._lock:
            self._forgotten[assessment_id] = time.monotonic()
        for path in self.folder.glob(f"{assessment_id}-*.pdf"):
            path.unlink(missing_ok=True)

    def _render_into(self, path, assessment_id, lang, html):
        with self._lock:
            pending = self._pending.get(path)
            if pending is None:
                pending = self._pending[path] = Future()
                owner = True
            else:
                owner = False
        if not owner:
            return pending.result()
        started = time.monotonic()
        try:
            pdf = self._render(html)
            with self._lock:
                if self._forgotten.get(assessment_id, -1) >= started:
                    pending.set_result(pdf)
                    return pdf  # deleted while it was rendered: nothing is kept
            # Written aside and renamed into place, so that no reader (in any worker) sees half a file.
            draft = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
            draft.write_bytes(pdf)
            os.replace(draft, path)
            # The same report in the same language, as it was before, is no longer shown to anyone.
            for old in self.folder.glob(f"{assessment_id}-{lang}-*.pdf"):
                if old != path:
                    old.unlink(missing_ok=True)
            pending.set_result(pdf)
            return pdf
        except BaseException as error:
            pending.set_exception(error)
            raise
        finally:
            with self._lock:
                self._pending.pop(path, None)
