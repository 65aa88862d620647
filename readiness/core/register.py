"""The register of the sector's organisations: who may count for peers, and in which group.

Each entry has an id (``KU`` and Statistics Finland's municipality code, ``HV`` and its wellbeing services
county code, or a Finnish business id), names in Finnish and Swedish, and the organisation's type, size band,
region and language as the questionnaire's option ids, and the email domains at which its staff can be reached.
The packaged file holds what can be sourced (``readiness/data/README.md``); an operator extends or corrects it
with a CSV of the same columns, read by the same ``parse()``: a file with any problem is refused whole, with
every problem listed. Type and size band come from here, never from a respondent's answers. No Flask here.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import replace
from functools import cache
from pathlib import Path

from .peers import ANY
from .peers import size_question
from .questionnaire import Questionnaire
from .reference import DataFileError
from .reference import read_text

COLUMNS = ("id", "org_type", "name_fi", "name_sv", "size_band", "region", "language", "email_domains")
DATA_FILE = Path(__file__).parent.parent / "data" / "register.csv"
# Ids: our prefix and a Statistics Finland code, or a business id (Y-tunnus) with its check digit.
MUNICIPALITY_ID = re.compile(r"KU\d{3}")
COUNTY_ID = re.compile(r"HV\d{2}")
BUSINESS_ID = re.compile(r"(\d{7})-(\d)")
BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
# A domain name as an email address ends: lowercase labels of letters, digits and hyphens, at least two.
DOMAIN = re.compile(r"(?=.{4,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
SIZE_KINDS = ("population", "staff")


class RegisterFileError(DataFileError):
    """A register file breaks its rules."""


@dataclass(frozen=True)
class Entry:
    """One organisation of the register. ``size_kind`` says which question's bands ``size_band`` uses:
    population (municipalities, wellbeing services counties) or staff (the others)."""

    id: str
    org_type: str
    name_fi: str
    name_sv: str
    size_band: str
    size_kind: str
    region: str
    language: str
    email_domains: tuple[str, ...]

    def name(self, lang: str) -> str:
        """Return the organisation's name in ``lang``: Swedish for sv, Finnish otherwise (it has no English)."""
        return self.name_sv if lang == "sv" else self.name_fi

    def with_size_band(self, size_band: str) -> Entry:
        """Return the entry with a size band the register lacked (stated by the lead, checked by the operator)."""
        return replace(self, size_band=size_band)

    @property
    def verifiable_by_email(self) -> bool:
        """Return whether an emailed link may verify the entry: only when the register gives both its email
        domains and its size band, since no person would check a band the lead stated."""
        return bool(self.email_domains and self.size_band)

    def accepts_email(self, address: str) -> bool:
        """Return whether ``address`` is at one of the entry's email domains (exactly: no subdomains)."""
        local, at, domain = (address or "").strip().rpartition("@")
        return bool(local and at) and domain.lower() in self.email_domains


def group_key(entry: Entry) -> tuple[str, str]:
    """Return the (org_type, size_band) peer group key of a register entry, in the questionnaire's option ids
    as ``core.peers.group_key`` gives them: "*" for a size band that is not known."""
    return entry.org_type, entry.size_band or ANY


def size_kind(questionnaire: Questionnaire, org_type: str) -> str:
    """Return "population" or "staff": the kind of size band the questionnaire asks of this type."""
    return (
        "population"
        if size_question(questionnaire, org_type) is questionnaire.profile_question("population")
        else "staff"
    )


def size_options(questionnaire: Questionnaire, org_type: str):
    """Return the size band options (questionnaire options) of this organisation type."""
    return size_question(questionnaire, org_type).options


def valid_business_id(value: str) -> bool:
    """Return whether ``value`` is a Finnish business id (1234567-8) whose check digit is right."""
    match = BUSINESS_ID.fullmatch(value)
    if not match:
        return False
    remainder = sum(int(d) * w for d, w in zip(match.group(1), BUSINESS_ID_WEIGHTS, strict=True)) % 11
    if remainder == 1:
        return False
    return int(match.group(2)) == (0 if remainder == 0 else 11 - remainder)


def _option_ids(question) -> set[str]:
    return {option.id for option in question.options}


def _check_row(cells: dict[str, str], questionnaire: Questionnaire, problem) -> None:
    """Check one row's cells, reporting through ``problem(column, what)``."""
    entry_id, org_type = cells["id"], cells["org_type"]
    types = _option_ids(questionnaire.profile_question("org_type"))
    if not entry_id:
        problem("id", "missing")
    elif MUNICIPALITY_ID.fullmatch(entry_id):
        if org_type and org_type != "kunta":
            problem("org_type", f"{org_type!r}: a municipality code (KU…) belongs to type kunta")
    elif COUNTY_ID.fullmatch(entry_id):
        if org_type and org_type != "hyvinvointialue":
            problem("org_type", f"{org_type!r}: a wellbeing services county code (HV…) belongs to type hyvinvointialue")
    elif not valid_business_id(entry_id):
        problem(
            "id",
            f"{entry_id!r} is not KU and a 3-digit municipality code, HV and a 2-digit wellbeing services county "
            "code, or a business id 1234567-8 with the right check digit",
        )
    if not org_type:
        problem("org_type", "missing")
    elif org_type not in types:
        problem("org_type", f"{org_type!r} is not one of {', '.join(sorted(types))}")
    for column in ("name_fi", "name_sv"):
        if not cells[column]:
            problem(column, "missing")
        elif len(cells[column]) > 200:
            problem(column, "longer than 200 characters")
    if cells["size_band"] and org_type in types:
        bands = {option.id for option in size_options(questionnaire, org_type)}
        if cells["size_band"] not in bands:
            kind = size_kind(questionnaire, org_type)
            problem(
                "size_band", f"{cells['size_band']!r} is not a {kind} band of {org_type}: {', '.join(sorted(bands))}"
            )
    for column, question in (("region", "region"), ("language", "language")):
        options = _option_ids(questionnaire.profile_question(question))
        if cells[column] and cells[column] not in options:
            problem(column, f"{cells[column]!r} is not one of {', '.join(sorted(options))}")
    for domain in cells["email_domains"].split():
        if not DOMAIN.fullmatch(domain):
            problem("email_domains", f"{domain!r} is not a domain name in lowercase (such as kunta.fi)")


def parse(text_or_file, questionnaire: Questionnaire, *, source_label: str | None = None) -> list[Entry]:
    """Read and check register entries from CSV; raise RegisterFileError listing every problem found."""
    rows = list(csv.reader(io.StringIO(read_text(text_or_file), newline="")))
    problems: list[str] = []
    # Row numbers count the header as row 1, as a spreadsheet shows them.
    header = [cell.strip().lstrip("\ufeff") for cell in rows[0]] if rows else []
    for column in COLUMNS:
        if column not in header:
            problems.append(f"row 1 (header), column {column}: missing")
    for column in dict.fromkeys(header):
        if column not in COLUMNS:
            problems.append(f"row 1 (header), column {column or '(empty)'}: not a column of the register file")
        elif header.count(column) > 1:
            problems.append(f"row 1 (header), column {column}: appears {header.count(column)} times")
    if problems:
        raise RegisterFileError(problems, source_label)

    entries = []
    first_row_of_id: dict[str, int] = {}
    for row_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        row_problems: list[str] = []

        def problem(column: str, what: str, row_number=row_number, row_problems=row_problems) -> None:
            row_problems.append(f"row {row_number}, column {column}: {what}")

        if len(row) != len(header):
            row_problems.append(f"row {row_number}: {len(row)} fields where the header has {len(header)}")
        cells = {column: "" for column in COLUMNS}
        cells.update({column: cell.strip() for column, cell in zip(header, row, strict=False)})
        _check_row(cells, questionnaire, problem)
        if cells["id"]:
            if cells["id"] in first_row_of_id:
                problem("id", f"{cells['id']!r} is already used on row {first_row_of_id[cells['id']]}")
            else:
                first_row_of_id[cells["id"]] = row_number
        problems.extend(row_problems)
        if not problems:
            entries.append(
                Entry(
                    id=cells["id"],
                    org_type=cells["org_type"],
                    name_fi=cells["name_fi"],
                    name_sv=cells["name_sv"],
                    size_band=cells["size_band"],
                    size_kind=size_kind(questionnaire, cells["org_type"]),
                    region=cells["region"],
                    language=cells["language"],
                    email_domains=tuple(dict.fromkeys(cells["email_domains"].split())),
                )
            )
    if not entries and not problems:
        problems.append("row 2: the file has no organisations")
    if problems:
        raise RegisterFileError(problems, source_label)
    return entries


def to_row(entry: Entry) -> dict[str, str]:
    """Return an entry as the register file's columns (what the store keeps of an operator's entries)."""
    return {
        "id": entry.id,
        "org_type": entry.org_type,
        "name_fi": entry.name_fi,
        "name_sv": entry.name_sv,
        "size_band": entry.size_band,
        "region": entry.region,
        "language": entry.language,
        "email_domains": " ".join(entry.email_domains),
    }


def from_row(questionnaire: Questionnaire, row: dict[str, str]) -> Entry:
    """Return the entry of a stored row (checked when it was loaded)."""
    return Entry(
        **{column: row[column] for column in COLUMNS if column != "email_domains"},
        size_kind=size_kind(questionnaire, row["org_type"]),
        email_domains=tuple(row["email_domains"].split()),
    )


@cache
def _packaged(questionnaire: Questionnaire) -> tuple[Entry, ...]:
    return tuple(parse(DATA_FILE, questionnaire, source_label=DATA_FILE.name))


def load_packaged(questionnaire: Questionnaire) -> list[Entry]:
    """Return the entries of the packaged register.csv, checked against the questionnaire (read once)."""
    return list(_packaged(questionnaire))


def _folded(text: str) -> str:
    """Text for matching a search: case and accents folded, so that "aanekoski" finds Äänekoski."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def search(entries, query: str, limit: int = 30) -> list[Entry]:
    """Return the entries whose Finnish or Swedish name contains ``query`` (case and accents ignored), those
    whose name starts with it first, then alphabetically by Finnish name; at most ``limit``."""
    wanted = _folded(query)
    if not wanted:
        return []
    found = []
    for entry in entries:
        names = (_folded(entry.name_fi), _folded(entry.name_sv))
        if any(wanted in name for name in names):
            starts = any(name.startswith(wanted) for name in names)
            found.append((not starts, entry.name_fi, entry))
    found.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in found[:limit]]
