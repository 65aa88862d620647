"""Published reference figures of KT's 2024 AI survey (and its 2025 follow-up): loaded from CSV and checked.

One row per published figure, each with its source, its precision and its text in fi, sv and en. The packaged
file holds only what KT and the press published; an operator who holds fuller tables loads them through the same
``parse()``, with their own source on every row. No Flask here.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .questionnaire import ID_PATTERN
from .questionnaire import LANGUAGES
from .questionnaire import Questionnaire

COLUMNS = (
    "id",
    "question_id",
    "option_id",
    "value",
    "unit",
    "precision",
    "n",
    "year",
    "source_url",
    "source_name",
    "quote",
    "text_fi",
    "text_sv",
    "text_en",
)
# Columns a file may leave out (older files and operators' tables have none of them): the survey a figure comes
# from (empty: KT's own survey, 2024 or its 2025 follow-up) and the source as KT's Swedish release names it.
OPTIONAL_COLUMNS = ("survey", "source_name_sv", "source_url_sv")
ALL_COLUMNS = COLUMNS + OPTIONAL_COLUMNS
# The survey of KT's figures; any other value in the survey column names another survey, shown only as context.
KT_SURVEY = "kt"
PRECISIONS = ("exact", "approximate", "lower-bound")
# share: a fraction as the source says it in words ("about one in three" is 1/3), never turned into a decimal.
UNITS = ("count", "percent", "share")
DATA_FILE = Path(__file__).parent.parent / "data" / "reference_2024.csv"

# Figures about the survey as a whole (respondents, organisations) rather than about one question.
SURVEY = "survey"
# A published measure that no option of the questionnaire states (KT's "at least somewhat" of 2024 and 2025) is
# filed under its question with no option: it is shown as a figure about the question, never on an invented option.

DECIMAL = re.compile(r"\d+(?:\.\d+)?")
SHARE = re.compile(r"(\d+)/(\d+)")
YEAR = re.compile(r"\d{4}")
FIRST_YEAR = 2000
LAST_YEAR = 2100


# The name the brief and callers use; it shadows Python's built-in ReferenceFileError (a weakref error) only inside
# modules that import it by name.
class ReferenceFileError(ValueError):
    """A reference file breaks its rules; ``problems`` lists every one, each naming its row and column."""

    def __init__(self, problems: list[str], source_label: str | None = None):
        self.problems = list(problems)
        self.source_label = source_label
        where = f" in {source_label}" if source_label else ""
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''}{where}"
        super().__init__("\n- ".join([heading + ":", *self.problems]))


@dataclass(frozen=True)
class Figure:
    """One published figure, as written in the reference file."""

    id: str
    question_id: str
    option_id: str
    value: str
    unit: str
    precision: str
    n: int | None
    year: int
    source_url: str
    source_name: str
    quote: str
    text_fi: str
    text_sv: str
    text_en: str
    survey: str = ""
    source_name_sv: str = ""
    source_url_sv: str = ""

    @property
    def number(self) -> float | None:
        """Return a count or percent as a float, or None: when no number was published, and for a share, which
        the source says in words ("joka kolmas") and which is never turned into a decimal (0.333…)."""
        if not self.value or SHARE.fullmatch(self.value):
            return None
        return float(self.value)

    @property
    def is_context(self) -> bool:
        """Whether the figure comes from another survey than KT's: context beside an answer, never KT's result."""
        return bool(self.survey) and self.survey != KT_SURVEY

    def source_name_in(self, lang: str) -> str:
        """Return the source's name as the page's language has it (KT's Swedish release for sv, where given)."""
        return self.source_name_sv if lang == "sv" and self.source_name_sv else self.source_name

    def source_url_in(self, lang: str) -> str:
        """Return the source's address in the page's language, or "" when the source is not online."""
        if lang == "sv" and self.source_name_sv:
            return self.source_url_sv
        return self.source_url

    def text(self, lang: str) -> str:
        """Return how the service says this figure in ``lang`` (completing "In 2024, …")."""
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}")
        return getattr(self, f"text_{lang}")


def _read_text(text_or_file) -> str:
    if isinstance(text_or_file, str):
        return text_or_file
    if isinstance(text_or_file, os.PathLike):
        return Path(text_or_file).read_bytes().decode("utf-8-sig")
    if isinstance(text_or_file, bytes):
        return text_or_file.decode("utf-8-sig")
    content = text_or_file.read()
    return content.decode("utf-8-sig") if isinstance(content, bytes) else content


def _check_value(value: str, unit: str, precision: str, problem) -> None:
    if unit and unit not in UNITS:
        problem("unit", f"{unit!r} is not one of {', '.join(UNITS)}")
    if precision and precision not in PRECISIONS:
        problem("precision", f"{precision!r} is not one of {', '.join(PRECISIONS)}")
    if not value:
        # A row without a number (a finding in words) needs no unit or precision, but may name them.
        return
    if not unit:
        problem("unit", "missing (a value needs a unit)")
    if not precision:
        problem("precision", "missing (a value needs a precision)")
    share = SHARE.fullmatch(value)
    if share:
        numerator, denominator = int(share.group(1)), int(share.group(2))
        if not 0 < numerator <= denominator:
            problem("value", f"{value!r}: a share a/b needs 0 < a <= b")
        if unit in UNITS and unit != "share":
            problem("unit", f"{unit!r} does not fit the share {value!r} (use share)")
        return
    if not DECIMAL.fullmatch(value):
        problem("value", f"{value!r} is not empty, a decimal number with a dot (40 or 40.5) or a share a/b (1/3)")
        return
    number = float(value)
    if unit == "share":
        problem("unit", f"share needs a value a/b, not {value!r}")
    elif unit == "percent" and number > 100:
        problem("value", f"{value!r}: a percent must be between 0 and 100")
    elif unit == "count" and not number.is_integer():
        problem("value", f"{value!r}: a count must be a whole number")


def _check_row(cells: dict[str, str], questionnaire: Questionnaire, problem) -> None:
    """Check one row's cells (only the columns the header has), reporting through ``problem(column, what)``."""

    def has(column: str) -> bool:
        return column in cells

    if has("id") and not cells["id"]:
        problem("id", "missing")

    if has("question_id"):
        question_id = cells["question_id"]
        option_id = cells.get("option_id", "")
        if question_id == SURVEY:
            if option_id:
                problem("option_id", f"{option_id!r}: a figure about the whole survey has no option")
        else:
            question = questionnaire.question(question_id)
            # A matrix row's answer key (org_use.hr) is allowed, so that full per-row tables can be loaded.
            if question is None and "." in question_id:
                question = questionnaire.question(question_id.split(".", 1)[0])
                if question is not None and question.row(question_id) is None:
                    question = None
            if question is None:
                what = "missing" if not question_id else f"{question_id!r} is not a question of the questionnaire"
                problem("question_id", what)
            elif option_id and question.option(option_id) is None:
                problem("option_id", f"{option_id!r} is not an option of {question.id}")

    if has("value") or has("unit") or has("precision"):
        _check_value(cells.get("value", ""), cells.get("unit", ""), cells.get("precision", ""), problem)

    if has("n") and cells["n"] and not (cells["n"].isascii() and cells["n"].isdigit() and int(cells["n"]) > 0):
        problem("n", f"{cells['n']!r} is not a positive whole number (leave it empty when the base is not stated)")

    if has("year"):
        year = cells["year"]
        if not YEAR.fullmatch(year) or not FIRST_YEAR <= int(year) <= LAST_YEAR:
            problem("year", f"{year!r} is not a year between {FIRST_YEAR} and {LAST_YEAR}")

    # An empty address is a source that is not online (KT's results presentation): it is named, never linked.
    for column in ("source_url", "source_url_sv"):
        if has(column) and cells[column] and not cells[column].startswith("https://"):
            problem(column, f"{cells[column]!r} does not start with https://")
    if has("source_url_sv") and cells["source_url_sv"] and not cells.get("source_name_sv"):
        problem("source_name_sv", "missing (a Swedish address needs the Swedish name)")
    if has("survey") and cells["survey"] and not ID_PATTERN.fullmatch(cells["survey"].replace("-", "_")):
        problem("survey", f"{cells['survey']!r} is not a plain id (letters, digits, - and _)")

    for column in ("source_name", "quote", "text_fi", "text_sv", "text_en"):
        if has(column) and not cells[column]:
            problem(column, "missing")


def parse(text_or_file, questionnaire: Questionnaire, *, source_label: str | None = None) -> list[Figure]:
    """Read and check reference figures from CSV; raise ReferenceFileError listing every problem found."""
    rows = list(csv.reader(io.StringIO(_read_text(text_or_file), newline="")))
    problems: list[str] = []
    # Row numbers count the header as row 1, as a spreadsheet shows them.
    header = [cell.strip().lstrip("\ufeff") for cell in rows[0]] if rows else []
    for column in COLUMNS:
        if column not in header:
            problems.append(f"row 1 (header), column {column}: missing")
    for column in dict.fromkeys(header):
        if column not in ALL_COLUMNS:
            problems.append(f"row 1 (header), column {column or '(empty)'}: not a column of the reference file")
        elif header.count(column) > 1:
            problems.append(f"row 1 (header), column {column}: appears {header.count(column)} times")

    figures = []
    first_row_of_id: dict[str, int] = {}
    for row_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        row_problems = []

        def problem(column: str, what: str, row_number=row_number, row_problems=row_problems) -> None:
            row_problems.append(f"row {row_number}, column {column}: {what}")

        if len(row) != len(header):
            row_problems.append(f"row {row_number}: {len(row)} fields where the header has {len(header)}")
        cells = {column: cell.strip() for column, cell in zip(header, row, strict=False) if column in ALL_COLUMNS}
        _check_row(cells, questionnaire, problem)
        figure_id = cells.get("id", "")
        if figure_id:
            if figure_id in first_row_of_id:
                problem("id", f"{figure_id!r} is already used on row {first_row_of_id[figure_id]}")
            else:
                first_row_of_id[figure_id] = row_number
        problems.extend(row_problems)
        if not row_problems and not problems:
            figures.append(
                Figure(**{**cells, "n": int(cells["n"]) if cells["n"] else None, "year": int(cells["year"])})
            )
    if not figures and not problems:
        problems.append("row 2: the file has no figures")
    if problems:
        raise ReferenceFileError(problems, source_label)
    return figures


@cache
def _packaged(questionnaire: Questionnaire) -> tuple[Figure, ...]:
    return tuple(parse(DATA_FILE, questionnaire, source_label=DATA_FILE.name))


def load_packaged(questionnaire: Questionnaire) -> list[Figure]:
    """Return the figures of the packaged reference_2024.csv, checked against the questionnaire (read once)."""
    return list(_packaged(questionnaire))


def by_question(figures: list[Figure]) -> dict[str, list[Figure]]:
    """Group figures by question_id, keeping the file's order within each group."""
    grouped: dict[str, list[Figure]] = {}
    for figure in figures:
        grouped.setdefault(figure.question_id, []).append(figure)
    return grouped
