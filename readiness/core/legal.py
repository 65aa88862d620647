"""Legal notes: what the law says about the uses an organisation's answers show, loaded from
``data/legal_notes.toml`` and checked; each note has its sources and the date its facts were last checked.

Pure Python, no Flask. The triggers are those of the recommendations (``{question, options}``, a matrix row as
``question.row``), checked against the questionnaire by the same function.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from .questionnaire import Questionnaire
from .questionnaire import Text
from .questionnaire import check_id
from .recommendations import RecommendationError
from .recommendations import Trigger
from .recommendations import _answer_match
from .recommendations import _answer_trigger
from .recommendations import _list
from .recommendations import _table
from .recommendations import _text

DATA_FILE = Path(__file__).parent.parent / "data" / "legal_notes.toml"


class LegalNotesError(RecommendationError):
    """The legal notes data file breaks one of its rules."""


@dataclass(frozen=True)
class Source:
    """A public source of a note: its name in three languages and its address."""

    name: Text
    url: str


@dataclass(frozen=True, eq=False)
class Note:
    """One legal note, shown when any of its triggers matches an answer."""

    id: str
    title: Text
    text: Text
    checked: date
    when: tuple[Trigger, ...]
    sources: tuple[Source, ...]


def _source(raw, where: str) -> Source:
    entry = _table(raw, where, {"name", "url"})
    url = entry["url"]
    if not isinstance(url, str) or not url.startswith("https://") or any(c.isspace() for c in url):
        raise LegalNotesError(f"{where}.url: expected an https:// address, not {url!r}")
    return Source(name=_text(entry["name"], f"{where}.name"), url=url)


def _note(raw, questionnaire: Questionnaire, where: str) -> Note:
    entry = _table(raw, where, {"id", "title", "text", "checked", "when", "sources"})
    note_id = check_id(entry["id"], where, LegalNotesError)
    where = f"note {note_id}"
    try:
        checked = date.fromisoformat(entry["checked"]) if isinstance(entry["checked"], str) else None
    except ValueError:
        checked = None
    if checked is None:
        raise LegalNotesError(f"{where}.checked: expected a date YYYY-MM-DD, not {entry['checked']!r}")
    return Note(
        id=note_id,
        title=_text(entry["title"], f"{where}.title"),
        text=_text(entry["text"], f"{where}.text"),
        checked=checked,
        when=tuple(
            _answer_trigger(t, questionnaire, f"{where}.when[{i}]")
            for i, t in enumerate(_list(entry["when"], f"{where}.when"))
        ),
        sources=tuple(
            _source(s, f"{where}.sources[{i}]") for i, s in enumerate(_list(entry["sources"], f"{where}.sources"))
        ),
    )


def parse(data: dict, questionnaire: Questionnaire) -> tuple[Note, ...]:
    """Build the checked notes from the parsed TOML document."""
    _table(data, "legal notes", {"version", "notes"})
    notes = tuple(_note(n, questionnaire, f"notes[{i}]") for i, n in enumerate(_list(data["notes"], "notes")))
    ids = [n.id for n in notes]
    if len(ids) != len(set(ids)):
        raise LegalNotesError("notes: duplicate ids")
    return notes


@cache
def load(questionnaire: Questionnaire, path: Path = DATA_FILE) -> tuple[Note, ...]:
    """Load and check the legal notes data file (once per process and questionnaire)."""
    with open(path, "rb") as f:
        return parse(tomllib.load(f), questionnaire)


def applicable(notes: tuple[Note, ...], choices: dict[str, list[str]]) -> list[Note]:
    """Return the notes whose triggers match the stored choices, in the file's order."""
    return [note for note in notes if any(_answer_match(trigger, choices) for trigger in note.when)]
