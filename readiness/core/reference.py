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


# What each problem of a reference file says, by code, in English (the command line's language); the console
# says the same in the page's language (``web/console.py``, PROBLEM_TEXTS has the same codes).
PROBLEMS = {
    "missing": "missing",
    "unknown_column": "not a column of the reference file",
    "repeated_column": "appears %(count)s times",
    "field_count": "%(found)s fields where the header has %(expected)s",
    "field_too_long": "a field is longer than %(limit)s characters; nothing after it was read",
    "unreadable": "not readable as CSV (%(reason)s); nothing after it was read",
    "no_figures": "the file has no figures",
    "not_one_of": "%(value)s is not one of %(allowed)s",
    "value_needs_unit": "missing (a value needs a unit)",
    "value_needs_precision": "missing (a value needs a precision)",
    "share_bounds": "%(value)s: a share a/b needs 0 < a <= b",
    "unit_not_share": "%(unit)s does not fit the share %(value)s (use share)",
    "not_a_number": "%(value)s is not empty, a decimal number with a dot (40 or 40.5) or a share a/b (1/3)",
    "share_needs_fraction": "share needs a value a/b, not %(value)s",
    "percent_range": "%(value)s: a percent must be between 0 and 100",
    "count_whole": "%(value)s: a count must be a whole number",
    "survey_option": "%(value)s: a figure about the whole survey has no option",
    "unknown_question": "%(value)s is not a question of the questionnaire",
    "unknown_option": "%(value)s is not an option of %(question)s",
    "n_positive": "%(value)s is not a positive whole number (leave it empty when the base is not stated)",
    "year_range": "%(value)s is not a year between %(first)s and %(last)s",
    "not_https": "%(value)s does not start with https://",
    "swedish_name_missing": "missing (a Swedish address needs the Swedish name)",
    "survey_id": "%(value)s is not a plain id (letters, digits, - and _)",
    "repeated_id": "%(value)s is already used on row %(first)s",
}


class Problem(str):
    """One problem of a reference file: reads as its English sentence ("row 3, column unit: missing"), and
    keeps its row, column (None for a whole row), code (a key of PROBLEMS) and values, so that a page can say
    it in its own language."""

    row: int
    column: str | None
    code: str
    values: dict

    def __new__(cls, row: int, column: str | None, code: str, **values):
        where = f"row {row}" + (" (header)" if row == 1 else "") + (f", column {column}" if column else "")
        problem = super().__new__(cls, f"{where}: {PROBLEMS[code] % values}")
        problem.row, problem.column, problem.code, problem.values = row, column, code, values
        return problem


class DataFileError(ValueError):
    """A data file (reference figures, the register) breaks its rules; ``problems`` lists every one, each
    naming its row and column."""

    def __init__(self, problems: list, source_label: str | None = None):
        self.problems = list(problems)
        self.source_label = source_label
        where = f" in {source_label}" if source_label else ""
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''}{where}"
        super().__init__("\n- ".join([heading + ":", *self.problems]))


class ReferenceFileError(DataFileError):
    """A reference file breaks its rules (its problems are ``Problem``s, which pages say in their language)."""


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


def read_text(text_or_file) -> str:
    """Return the text of a data file given as text, a path, bytes or an open file (a BOM is dropped)."""
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
        problem("unit", "not_one_of", value=repr(unit), allowed=", ".join(UNITS))
    if precision and precision not in PRECISIONS:
        problem("precision", "not_one_of", value=repr(precision), allowed=", ".join(PRECISIONS))
    if not value:
        # A row without a number (a finding in words) needs no unit or precision, but may name them.
        return
    if not unit:
        problem("unit", "value_needs_unit")
    if not precision:
        problem("precision", "value_needs_precision")
    share = SHARE.fullmatch(value)
    if share:
        numerator, denominator = int(share.group(1)), int(share.group(2))
        if not 0 < numerator <= denominator:
            problem("value", "share_bounds", value=repr(value))
        if unit in UNITS and unit != "share":
            problem("unit", "unit_not_share", unit=repr(unit), value=repr(value))
        return
    if not DECIMAL.fullmatch(value):
        problem("value", "not_a_number", value=repr(value))
        return
    number = float(value)
    if unit == "share":
        problem("unit", "share_needs_fraction", value=repr(value))
    elif unit == "percent" and number > 100:
        problem("value", "percent_range", value=repr(value))
    elif unit == "count" and not number.is_integer():
        problem("value", "count_whole", value=repr(value))


def _check_row(cells: dict[str, str], questionnaire: Questionnaire, problem) -> None:
    """Check one row's cells (only the columns the header has), reporting through ``problem(column, code, **values)``."""

    def has(column: str) -> bool:
        return column in cells

    if has("id") and not cells["id"]:
        problem("id", "missing")

    if has("question_id"):
        question_id = cells["question_id"]
        option_id = cells.get("option_id", "")
        if question_id == SURVEY:
            if option_id:
                problem("option_id", "survey_option", value=repr(option_id))
        else:
            question = questionnaire.question(question_id)
            # A matrix row's answer key (org_use.hr) is allowed, so that full per-row tables can be loaded.
            if question is None and "." in question_id:
                question = questionnaire.question(question_id.split(".", 1)[0])
                if question is not None and question.row(question_id) is None:
                    question = None
            if question is None:
                if question_id:
                    problem("question_id", "unknown_question", value=repr(question_id))
                else:
                    problem("question_id", "missing")
            elif option_id and question.option(option_id) is None:
                problem("option_id", "unknown_option", value=repr(option_id), question=question.id)

    if has("value") or has("unit") or has("precision"):
        _check_value(cells.get("value", ""), cells.get("unit", ""), cells.get("precision", ""), problem)

    if has("n") and cells["n"] and not (cells["n"].isascii() and cells["n"].isdigit() and int(cells["n"]) > 0):
        problem("n", "n_positive", value=repr(cells["n"]))

    if has("year"):
        year = cells["year"]
        if not YEAR.fullmatch(year) or not FIRST_YEAR <= int(year) <= LAST_YEAR:
            problem("year", "year_range", value=repr(year), first=str(FIRST_YEAR), last=str(LAST_YEAR))

    # An empty address is a source that is not online (KT's results presentation): it is named, never linked.
    for column in ("source_url", "source_url_sv"):
        if has(column) and cells[column] and not cells[column].startswith("https://"):
            problem(column, "not_https", value=repr(cells[column]))
    if has("source_url_sv") and cells["source_url_sv"] and not cells.get("source_name_sv"):
        problem("source_name_sv", "swedish_name_missing")
    if has("survey") and cells["survey"] and not ID_PATTERN.fullmatch(cells["survey"].replace("-", "_")):
        problem("survey", "survey_id", value=repr(cells["survey"]))

    for column in ("source_name", "quote", "text_fi", "text_sv", "text_en"):
        if has(column) and not cells[column]:
            problem(column, "missing")


def _read_rows(text: str, problems: list[Problem]) -> list[list[str]]:
    """Return the CSV's records; a record the csv module cannot read (a field over its limit, a NUL byte)
    becomes a problem on that row, and reading stops there."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as error:
            row_number = len(rows) + 1
            if "field larger than field limit" in str(error):
                problems.append(Problem(row_number, None, "field_too_long", limit=csv.field_size_limit()))
            else:
                problems.append(Problem(row_number, None, "unreadable", reason=str(error)))
            return rows
        rows.append(row)


def parse(text_or_file, questionnaire: Questionnaire, *, source_label: str | None = None) -> list[Figure]:
    """Read and check reference figures from CSV; raise ReferenceFileError listing every problem found."""
    problems: list[Problem] = []
    rows = _read_rows(read_text(text_or_file), problems)
    # Row numbers count the header as row 1, as a spreadsheet shows them.
    header = [cell.strip().lstrip("\ufeff") for cell in rows[0]] if rows else []
    for column in COLUMNS:
        if column not in header:
            problems.append(Problem(1, column, "missing"))
    for column in dict.fromkeys(header):
        if column not in ALL_COLUMNS:
            problems.append(Problem(1, column or "(empty)", "unknown_column"))
        elif header.count(column) > 1:
            problems.append(Problem(1, column, "repeated_column", count=header.count(column)))

    figures = []
    first_row_of_id: dict[str, int] = {}
    for row_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        row_problems: list[Problem] = []

        def problem(column: str, code: str, row_number=row_number, row_problems=row_problems, **values) -> None:
            row_problems.append(Problem(row_number, column, code, **values))

        if len(row) != len(header):
            row_problems.append(Problem(row_number, None, "field_count", found=len(row), expected=len(header)))
        cells = {column: cell.strip() for column, cell in zip(header, row, strict=False) if column in ALL_COLUMNS}
        _check_row(cells, questionnaire, problem)
        figure_id = cells.get("id", "")
        if figure_id:
            if figure_id in first_row_of_id:
                problem("id", "repeated_id", value=repr(figure_id), first=str(first_row_of_id[figure_id]))
            else:
                first_row_of_id[figure_id] = row_number
        problems.extend(row_problems)
        if not row_problems and not problems:
            figures.append(
                Figure(**{**cells, "n": int(cells["n"]) if cells["n"] else None, "year": int(cells["year"])})
            )
    if not figures and not problems:
        problems.append(Problem(2, None, "no_figures"))
    if problems:
        # In the order of the file: a row that could not be read comes after the header's problems.
        raise ReferenceFileError(sorted(problems, key=lambda problem: problem.row), source_label)
    return figures


def to_csv(figures: list[Figure]) -> str:
    """Return figures as a reference file (UTF-8 text with a byte-order mark): ``parse`` reads it back."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ALL_COLUMNS)
    for figure in figures:
        writer.writerow(["" if getattr(figure, column) is None else getattr(figure, column) for column in ALL_COLUMNS])
    return "\ufeff" + buffer.getvalue()


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
