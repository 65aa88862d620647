"""PDF reports kept on disk, shared by every worker, and rendered ahead of the download.

Rendering a report takes WeasyPrint about a second, so the PDF is rendered once per content: its file is
named by the assessment, the language and a hash of the HTML it renders, so it stays valid exactly as long
as the report says the same thing. A worker can start the rendering in a background thread when the
results page is shown; a download that finds the rendering under way waits for it instead of starting
another. Nothing here knows Flask.

A deletion deletes, in every worker: a rendering notes the last deletion recorded when it begins
(``deleted_assessments``, written by the deleting transaction) and, when it ends, writes its file only inside a
``BEGIN IMMEDIATE`` transaction that finds its assessment still there and not deleted since. The deletion takes
the same write lock and removes the files (``forget``) after it commits; so either the rendering sees the
deletion and keeps nothing, or its file is on disk before the deletion begins and the deletion removes it.
"""

import hashlib
import os
import sqlite3
import threading
import time
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .database import pool
from .database import write_transaction


class PdfStore:
    """The rendered PDF reports of one service: a folder of files and a background renderer."""

    def __init__(self, folder, render, queue_limit=2, database=None, idle=None, idle_wait=5.0):
        """``database`` is the path of the service's database, where deletions are seen (None only in tests of
        the store alone: then only this store's own ``forget`` is honoured). ``idle``, if given, says whether the
        process is serving nobody: a rendering ahead waits for it, at most ``idle_wait`` seconds, and is skipped
        if it never comes (the download renders what it needs)."""
        self.folder = Path(folder)
        self.database = database
        self.folder.mkdir(parents=True, exist_ok=True)
        self._render = render
        # A rendering holds the interpreter's lock for a second or more: ahead of a request, it made that request
        # (the first view of the results, right after the submission that asked for it) several times slower.
        self.idle = idle
        self.idle_wait = idle_wait
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
            return self._render_into(path, assessment_id, lang, html, self._last_deletion())

    def prepare(self, assessment_id, lang, html):
        """Start rendering ``html`` in the background unless it is done or under way, or too many wait
        already. Return the future, or None if skipped."""
        path = self.path(assessment_id, lang, html)

        def run():
            try:
                if self._wait_until_idle() and not path.exists():
                    self._render_into(path, assessment_id, lang, html, since)
            finally:
                with self._lock:
                    self._queued -= 1

        with self._lock:
            if self._queued >= self.queue_limit:
                return None
            self._queued += 1
        try:
            # Noted now, in the request that made the html, not when the thread gets to it.
            since = self._last_deletion()
        except BaseException:
            with self._lock:
                self._queued -= 1
            raise
        return self._executor.submit(run)

    def _wait_until_idle(self):
        """Return True once the process serves nobody, or False if that does not happen in ``idle_wait``."""
        if self.idle is None:
            return True
        deadline = time.monotonic() + self.idle_wait
        while not self.idle():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def forget(self, assessment_id):
        """Remove every PDF of an assessment (its data was deleted), also one still being rendered."""
        with self._lock:
            self._forgotten[assessment_id] = time.monotonic()
        self._remove(assessment_id)

    def _remove(self, assessment_id):
        # A draft left by a worker that stopped halfway through writing goes too.
        for path in self.folder.glob(f"{assessment_id}-*"):
            path.unlink(missing_ok=True)

    def _last_deletion(self):
        """Return the number of the last deletion recorded, or None without a database."""
        if self.database is None:
            return None
        db = pool.take(self.database)
        try:
            return last_deletion(db)
        finally:
            pool.give(self.database, db)

    def _keep(self, path, assessment_id, lang, pdf, since):
        """Write the file unless the assessment was deleted since ``since``: checked, and the file written,
        under the database's write lock, which every deletion takes."""
        if self.database is None:
            self._write(path, assessment_id, lang, pdf)
            return
        db = pool.take(self.database)
        try:
            with write_transaction(db):
                if still_there(db, assessment_id, since):
                    self._write(path, assessment_id, lang, pdf)
                else:
                    # Deleted: nothing of it is kept, nor what a worker that stopped before forgetting left (if
                    # its id is someone's again, their PDFs are rendered again when asked for).
                    self._remove(assessment_id)
        except sqlite3.OperationalError:
            # The database too busy to check: the PDF is still given to whoever waits, only not kept.
            pass
        finally:
            pool.give(self.database, db)

    def _write(self, path, assessment_id, lang, pdf):
        # Written aside and renamed into place, so that no reader (in any worker) sees half a file.
        draft = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        draft.write_bytes(pdf)
        os.replace(draft, path)
        # The same report in the same language, as it was before, is no longer shown to anyone.
        for old in self.folder.glob(f"{assessment_id}-{lang}-*.pdf"):
            if old != path:
                old.unlink(missing_ok=True)

    def _render_into(self, path, assessment_id, lang, html, since):
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
            self._keep(path, assessment_id, lang, pdf, since)
            pending.set_result(pdf)
            return pdf
        except BaseException as error:
            pending.set_exception(error)
            raise
        finally:
            with self._lock:
                self._pending.pop(path, None)


def last_deletion(db):
    """Return the number of the last deletion recorded (0 if none)."""
    return db.execute("select coalesce(max(seq), 0) from deleted_assessments").fetchone()[0]


def still_there(db, assessment_id, since):
    """Whether the assessment exists and was not deleted after deletion number ``since`` (its id may have been
    given again to a new assessment meanwhile)."""
    row = db.execute(
        "select exists(select 1 from assessments where id = ?) "
        "and not exists(select 1 from deleted_assessments where assessment_id = ? and seq > ?)",
        [assessment_id, assessment_id, since],
    ).fetchone()
    return bool(row[0])
