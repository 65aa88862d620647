"""The 2024 reference figures: every published number present with its precision and source, nothing else, and
the loader's rules enforced."""

import csv
import io
import re

import pytest

from readiness.core.questionnaire import LANGUAGES
from readiness.core.questionnaire import load
from readiness.core.reference import ALL_COLUMNS
from readiness.core.reference import COLUMNS
from readiness.core.reference import PRECISIONS
from readiness.core.reference import UNITS
from readiness.core.reference import Figure
from readiness.core.reference import ReferenceFileError
from readiness.core.reference import by_question
from readiness.core.reference import load_packaged
from readiness.core.reference import parse
from tests.conftest import DATA
from tests.conftest import ROOT

# The tables of our compilation of every published figure of the 2024 survey and its 2025 follow-up, copied
# from it (the file names its source).
PUBLISHED = DATA / "kt2024_published_figures.md"

S1 = "https://www.kt.fi/uutiset-ja-tiedotteet/2024/kysely-tekoalya-kaytetaan-kunnissa-ja-hyvinvointialueilla"
S5 = (
    "https://sttinfo.fi/tiedote/70960793/yli-70-prosenttia-kunta-ja-hyvinvointialan-tyonantajista-uskoo-etta-"
    "tekoaly-lisaa-alan-tuottavuutta?publisherId=1800"
)
S2 = "https://www.kt.fi/sv/nyheter-och-pressmeddelanden/2024/kommunerna-och-valfardsomradena-anvander-redan-AI-for-flera-andamal"
# The slide deck is not online: its rows name it and link nowhere (KT's home page does not hold it).
SEED = ""
SEED_NAME = "KT:n tulosesitys 2024 (ei verkossa)"
DECK = DATA / "kt2024_deck.txt"
RELEASES = DATA / "kt_releases.txt"

# Read off kt2024-published-figures.md by hand: every row of its two tables. The 2025 release's measures, and the
# 2024 "at least somewhat" it reported, are filed under their question with no option (no option states them).
# id: (question_id, option_id, value, unit, precision, n, year, the source's URL: "" for the deck, not online)
EXPECTED = {
    "r.respondents": ("survey", "", "158", "count", "exact", None, 2024, S1),
    "r.orgs": ("survey", "", "155", "count", "exact", None, 2024, S1),
    "r.orgs.kunta": ("org_type", "kunta", "114", "count", "exact", 155, 2024, SEED),
    "r.orgs.kuntayhtyma": ("org_type", "kuntayhtyma", "18", "count", "exact", 155, 2024, SEED),
    "r.orgs.hyvinvointialue": ("org_type", "hyvinvointialue", "13", "count", "exact", 155, 2024, SEED),
    "r.orgs.maakuntaliitto": ("org_type", "maakuntaliitto", "7", "count", "exact", 155, 2024, SEED),
    "r.orgs.yritys": ("org_type", "yritys", "3", "count", "exact", 155, 2024, SEED),
    "r.hr.n": ("hr_use", "", "98", "count", "exact", None, 2024, SEED),
    "r.own.regular": ("own_use", "regularly", "1/3", "share", "approximate", 158, 2024, S1),
    # "runsaat 40 prosenttia": a little over 40 %, so 40 is a lower bound.
    "r.own.tried": ("own_use", "acquainted", "40", "percent", "lower-bound", 158, 2024, S1),
    "r.own.none": ("own_use", "none", "1/4", "share", "approximate", 158, 2024, S1),
    # The markdown gives the base as "158 (not stated)": the sources do not state it, so n stays empty.
    "r.change.very": ("change", "very_much", "1/10", "share", "approximate", None, 2024, S1),
    # Reported a year later, in the 2025 press release, as the 2024 figure.
    "r.org.some": ("org_use", "", "70", "percent", "exact", None, 2024, S5),
    "r2025.org.some": ("org_use", "", "85", "percent", "exact", None, 2025, S5),
    "r2025.productivity": ("benefits", "", "70", "percent", "lower-bound", None, 2025, S5),
    # Findings in words, without a number.
    "r.sample.size": ("survey", "", "", "", "", None, 2024, S1),
    "r.change.most": ("change", "", "", "", "", None, 2024, S1),
}
# Figures of other surveys (context-surveys.md), context beside an answer: id -> (survey, question or row, year).
CONTEXT = {
    "c.tem.workplace.municipal": ("tem-tyoolobarometri", "org_use", 2025),
    "c.kl.strategy": ("kuntaliitto-digitalisaatiokartoitus", "guidelines", 2024),
    "c.kl.comms.guidelines": ("kuntaliitto-kuntaviestinta", "guidelines", 2023),
    "c.kl.comms.use": ("kuntaliitto-kuntaviestinta", "org_use.communications", 2023),
    "c.stat.genai": ("tilastokeskus-tvt", "own_use", 2025),
    "c.tem.training": ("tem-tyoolobarometri", "competence_top", 2025),
    "c.sak.public": ("sak-jasenpaneeli", "own_use", 2026),
}
APPROXIMATION_WORDS = {
    "fi": ("noin", "runsaat", "yli", "reilu"),
    "sv": ("ungefär", "drygt", "över"),
    "en": ("about", "over", "little"),
}


@pytest.fixture(scope="module")
def all_figures():
    return {f.id: f for f in load_packaged(load())}


@pytest.fixture(scope="module")
def figures(all_figures):
    """KT's figures only."""
    return {figure_id: f for figure_id, f in all_figures.items() if not f.is_context}


def test_the_packaged_file_loads_without_problems(figures):
    assert figures
    header = (ROOT / "readiness" / "data" / "reference_2024.csv").read_text(encoding="utf-8").splitlines()[0]
    assert tuple(header.split(",")) == ALL_COLUMNS


@pytest.mark.parametrize("figure_id", sorted(EXPECTED))
def test_every_published_number_is_there_as_published(figures, figure_id):
    question_id, option_id, value, unit, precision, n, year, source_url = EXPECTED[figure_id]
    figure = figures[figure_id]
    assert (figure.question_id, figure.option_id) == (question_id, option_id)
    assert (figure.value, figure.unit, figure.precision, figure.n) == (value, unit, precision, n)
    assert figure.year == year
    assert figure.source_url == source_url


def test_no_figure_exists_that_was_not_published(figures):
    assert set(figures) == set(EXPECTED)


def test_every_row_of_the_published_figures_markdown_is_there(figures):
    table_ids = set(re.findall(r"^\| (r[\w.]+) \|", PUBLISHED.read_text(encoding="utf-8"), flags=re.MULTILINE))
    assert set(figures) == table_ids


def test_figures_of_other_surveys_are_context_never_kt(all_figures):
    context = {figure_id: f for figure_id, f in all_figures.items() if f.is_context}
    assert {i: (f.survey, f.question_id, f.year) for i, f in context.items()} == CONTEXT
    for figure in context.values():
        assert not figure.id.startswith("r"), figure.id
        assert figure.source_url.startswith("https://") and "kt.fi" not in figure.source_url
        # Each says whose survey it is, in every language, in its own words.
        assert "KT" not in figure.text_fi and "KT" not in figure.source_name


def test_deck_only_figures_name_the_deck_and_link_nowhere(figures):
    deck = [f for f in figures.values() if f.source_url == SEED]
    assert {f.id for f in deck} == {i for i, e in EXPECTED.items() if e[-1] == SEED}
    for figure in deck:
        assert figure.source_name == SEED_NAME
        assert figure.source_url_in("fi") == figure.source_url_in("sv") == ""
        assert figure.source_name_in("sv") == "KT:s resultatpresentation 2024 (inte på webben)"


def _release_texts():
    texts, url = {}, None
    for line in RELEASES.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            url = line[3:].strip()
            texts[url] = ""
        elif url and not line.startswith("# "):
            texts[url] += line + "\n"
    return texts


def test_every_quote_is_word_for_word_in_its_source(figures):
    deck = " ".join(line.strip() for line in DECK.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    releases = _release_texts()
    assert set(releases) == {S1, S2, S5}
    for figure in figures.values():
        source = deck if figure.source_url == SEED else releases[figure.source_url]
        assert figure.quote.replace("…", "") in source, figure.id


def test_swedish_pages_cite_kts_swedish_release(figures):
    for figure in figures.values():
        if figure.source_url == S1:
            assert (figure.source_name_in("sv"), figure.source_url_in("sv")) == ("KT, pressmeddelande 2024", S2)
            assert (figure.source_name_in("fi"), figure.source_url_in("fi")) == ("KT, tiedote 2024", S1)


def test_the_source_urls_are_those_of_the_published_figures_markdown():
    """The URLs the figures above are checked against are the compilation's sources S1 and S5."""
    sources = dict(
        re.findall(r"^\| (S\d) \| (https://\S+) \|", PUBLISHED.read_text(encoding="utf-8"), flags=re.MULTILINE)
    )
    assert (sources["S1"], sources["S5"]) == (S1, S5)


def test_every_figure_has_a_source_a_quote_and_three_texts(figures):
    for figure in figures.values():
        assert figure.source_url in (S1, S5, SEED), figure.id
        assert figure.source_name and figure.quote, figure.id
        for lang in LANGUAGES:
            assert figure.text(lang).strip(), (figure.id, lang)
            assert "<" not in figure.text(lang) and ">" not in figure.text(lang), (figure.id, lang)
        assert len({figure.text_fi, figure.text_sv, figure.text_en}) == 3, figure.id


def test_every_figure_says_its_own_number(figures):
    for figure in figures.values():
        if figure.unit == "percent":
            # A space before % in Finnish and Swedish, none in English.
            assert f"{figure.value} %" in figure.text_fi, figure.id
            assert f"{figure.value} %" in figure.text_sv, figure.id
            assert f"{figure.value}%" in figure.text_en, figure.id
        elif figure.unit == "count":
            for lang in LANGUAGES:
                assert figure.value in figure.text(lang), (figure.id, lang)


def test_no_approximate_figure_reads_as_exact(figures):
    vague = [f for f in figures.values() if f.precision in ("approximate", "lower-bound")]
    assert vague
    for figure in vague:
        for lang in LANGUAGES:
            words = re.findall(r"\w+", figure.text(lang).lower())
            assert any(word in words for word in APPROXIMATION_WORDS[lang]), (figure.id, lang)


def test_lower_bounds_say_over(figures):
    lower_bounds = [figure for figure in figures.values() if figure.precision == "lower-bound"]
    assert [figure.id for figure in lower_bounds] == ["r.own.tried", "r2025.productivity"]
    for figure in lower_bounds:
        assert {"yli", "runsaat"} & set(figure.text_fi.split())
        assert {"över", "drygt"} & set(figure.text_sv.split())
        assert "over" in figure.text_en.split()


def test_number_never_turns_a_share_into_a_decimal(figures):
    # "joka kolmas" is published in words: no 0.333… anywhere.
    assert figures["r.own.regular"].number is None
    assert figures["r.own.none"].number is None
    assert figures["r.org.some"].number == 70.0
    assert replace_value("").number is None
    assert replace_value("40.5").number == 40.5


def replace_value(value):
    return Figure(**{**valid_row(), "value": value, "n": 158, "year": 2024})


def test_text_picks_the_language(figures):
    figure = figures["r.own.regular"]
    assert figure.text("fi") == figure.text_fi
    assert figure.text("sv") == figure.text_sv
    assert figure.text("en") == figure.text_en
    with pytest.raises(ValueError):
        figure.text("de")


def test_by_question_groups_in_file_order(figures):
    grouped = by_question(list(figures.values()))
    assert [f.id for f in grouped["own_use"]] == ["r.own.regular", "r.own.tried", "r.own.none"]
    assert [f.id for f in grouped["org_use"]] == ["r.org.some", "r2025.org.some"]
    assert set(grouped) == {"survey", "org_type", "hr_use", "own_use", "change", "org_use", "benefits"}


def test_constants():
    assert PRECISIONS == ("exact", "approximate", "lower-bound")
    assert set(UNITS) == {"count", "percent", "share"}


# --- the rules of parse() -----------------------------------------------------------------------------------


def valid_row(**changes):
    row = {
        "id": "t.own.regular",
        "question_id": "own_use",
        "option_id": "regularly",
        "value": "1/3",
        "unit": "share",
        "precision": "approximate",
        "n": "158",
        "year": "2024",
        "source_url": "https://example.org/kt",
        "source_name": "Test source, 2024",
        "quote": "Joka kolmas käytti tekoälyä",
        "text_fi": "noin joka kolmas vastaaja käytti tekoälyä",
        "text_sv": "ungefär var tredje svarande använde AI",
        "text_en": "about one in three respondents used AI",
    }
    row.update(changes)
    return row


def to_csv(rows, columns=COLUMNS):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


def problems_of(text):
    with pytest.raises(ReferenceFileError) as caught:
        parse(text, load())
    return caught.value.problems


def test_a_valid_row_parses():
    [figure] = parse(to_csv([valid_row()]), load())
    assert figure.value == "1/3" and figure.number is None
    assert figure.n == 158 and figure.year == 2024
    assert not figure.is_context and figure.survey == ""


def test_the_optional_columns_are_read_and_checked():
    columns = ALL_COLUMNS
    row = valid_row(survey="tem-tyoolobarometri", source_name_sv="Testkälla", source_url_sv="https://example.org/sv")
    [figure] = parse(to_csv([row], columns), load())
    assert figure.is_context
    assert (figure.source_name_in("sv"), figure.source_url_in("sv")) == ("Testkälla", "https://example.org/sv")
    assert figure.source_name_in("en") == "Test source, 2024"
    problems = problems_of(to_csv([valid_row(source_url_sv="https://example.org/sv", survey="Not an id!")], columns))
    assert {p.split(":")[0] for p in problems} == {"row 2, column source_name_sv", "row 2, column survey"}


@pytest.mark.parametrize(
    "changes",
    [
        {"question_id": "survey", "option_id": "", "value": "158", "unit": "count", "precision": "exact", "n": ""},
        {"question_id": "org_use", "option_id": "", "value": "70", "unit": "percent"},
        # A source that is not online: named, never linked.
        {"source_url": ""},
        # A matrix row's answer key, for an operator's full per-row tables.
        {"question_id": "org_use.hr", "option_id": "somewhat", "value": "12.5", "unit": "percent"},
        {"question_id": "hr_use", "option_id": "", "value": "98", "unit": "count", "precision": "exact"},
        {"value": "", "unit": "", "precision": ""},
        {"value": "0", "unit": "percent"},
        {"value": "100", "unit": "percent"},
        {"value": "3/3"},
        {"year": "2000"},
        {"year": "2100"},
        {"n": "1"},
    ],
)
def test_rows_within_the_rules_are_accepted(changes):
    [figure] = parse(to_csv([valid_row(**changes)]), load())
    assert figure.id == "t.own.regular"


@pytest.mark.parametrize(
    "changes, column",
    [
        ({"id": ""}, "id"),
        ({"question_id": ""}, "question_id"),
        ({"question_id": "no_such_question"}, "question_id"),
        ({"question_id": "org_use.no_such_row"}, "question_id"),
        ({"option_id": "no_such_option"}, "option_id"),
        ({"option_id": "at_least_somewhat"}, "option_id"),  # no invented options
        ({"question_id": "benefits", "option_id": "productivity_belief"}, "option_id"),
        ({"question_id": "survey", "option_id": "regularly"}, "option_id"),
        ({"value": "about 30"}, "value"),
        ({"value": "33,3", "unit": "percent"}, "value"),
        ({"value": "-5", "unit": "percent"}, "value"),
        ({"value": "0.333333"}, "unit"),  # a decimal written as a share
        ({"value": "101", "unit": "percent"}, "value"),
        ({"value": "0/3"}, "value"),
        ({"value": "4/3"}, "value"),
        ({"value": "1/0"}, "value"),
        ({"value": "1/3", "unit": "percent"}, "unit"),
        ({"value": "12.5", "unit": "count"}, "value"),
        ({"unit": "percentage"}, "unit"),
        ({"unit": ""}, "unit"),
        ({"precision": "rough"}, "precision"),
        ({"precision": ""}, "precision"),
        ({"n": "0"}, "n"),
        ({"n": "-3"}, "n"),
        ({"n": "1.5"}, "n"),
        ({"n": "many"}, "n"),
        ({"year": ""}, "year"),
        ({"year": "24"}, "year"),
        ({"year": "1999"}, "year"),
        ({"year": "2101"}, "year"),
        ({"year": "20x4"}, "year"),
        ({"source_url": "http://example.org"}, "source_url"),
        ({"source_url": "www.kt.fi"}, "source_url"),
        ({"source_name": ""}, "source_name"),
        ({"quote": ""}, "quote"),
        ({"text_fi": ""}, "text_fi"),
        ({"text_sv": " "}, "text_sv"),
        ({"text_en": ""}, "text_en"),
    ],
)
def test_a_row_breaking_a_rule_is_rejected_naming_row_and_column(changes, column):
    problems = problems_of(to_csv([valid_row(id="t.first"), valid_row(**changes)]))
    assert any(p.startswith(f"row 3, column {column}:") for p in problems), problems
    assert not any(p.startswith("row 2") for p in problems), problems


def test_duplicate_ids_are_rejected_naming_both_rows():
    problems = problems_of(to_csv([valid_row(), valid_row(), valid_row(id="t.other")]))
    assert problems == ["row 3, column id: 't.own.regular' is already used on row 2"]


@pytest.mark.parametrize(
    "columns, named",
    [
        (tuple(c for c in COLUMNS if c not in ("n", "quote")), ["n", "quote"]),
        ((*COLUMNS, "comment"), ["comment"]),
        ((*COLUMNS[:-1], "text_de"), ["text_en", "text_de"]),
        ((*COLUMNS, "year"), ["year"]),
    ],
)
def test_missing_or_extra_columns_are_named(columns, named):
    problems = problems_of(to_csv([valid_row()], columns))
    for column in named:
        assert any(p.startswith(f"row 1 (header), column {column}:") for p in problems), problems


def test_a_row_with_the_wrong_number_of_fields_is_rejected():
    text = to_csv([valid_row()]) + "t.short,own_use,regularly\n"
    problems = problems_of(text)
    assert any(p.startswith("row 3: 3 fields") for p in problems), problems


def test_every_problem_is_reported_at_once():
    rows = [
        valid_row(id="t.one", value="1/0"),
        valid_row(id="t.two", question_id="nope", year="99"),
        valid_row(id="t.three", text_sv="", source_url="http://kt.fi"),
    ]
    problems = problems_of(to_csv(rows))
    starts = {p.split(":")[0] for p in problems}
    assert starts == {
        "row 2, column value",
        "row 3, column question_id",
        "row 3, column year",
        "row 4, column text_sv",
        "row 4, column source_url",
    }


def test_the_error_message_lists_the_problems_with_the_source_label():
    with pytest.raises(ReferenceFileError) as caught:
        parse(to_csv([valid_row(year="1"), valid_row(id="t.b", quote="")]), load(), source_label="kt-full.csv")
    message = str(caught.value)
    assert message.startswith("2 problems in kt-full.csv:")
    assert "row 2, column year" in message and "row 3, column quote" in message
    assert isinstance(caught.value, ValueError)


def test_an_empty_file_names_every_missing_column():
    problems = problems_of("")
    assert len(problems) == len(COLUMNS)


def test_a_header_without_rows_is_rejected():
    assert problems_of(to_csv([])) == ["row 2: the file has no figures"]


def test_files_bytes_and_a_byte_order_mark_are_read():
    text = to_csv([valid_row()])
    assert parse(io.StringIO(text), load())[0].id == "t.own.regular"
    assert parse(io.BytesIO(("\ufeff" + text).encode("utf-8")), load())[0].id == "t.own.regular"
    assert parse(text.encode("utf-8"), load())[0].id == "t.own.regular"


def test_a_quoted_field_may_hold_commas():
    [figure] = parse(to_csv([valid_row(quote="Yli 70 prosenttia … uskoo, että tekoäly parantaa")]), load())
    assert figure.quote == "Yli 70 prosenttia … uskoo, että tekoäly parantaa"


def test_a_field_over_the_csv_limit_is_a_problem_on_its_row_not_a_crash():
    text = to_csv([valid_row(id="t.first"), valid_row(id="t.long", quote="x" * 200_000)])
    problems = problems_of(text)
    assert problems == ["row 3: a field is longer than 131072 characters; nothing after it was read"]
    assert (problems[0].row, problems[0].column, problems[0].code) == (3, None, "field_too_long")


def test_each_problem_keeps_its_row_column_and_code_for_the_pages_language():
    problems = problems_of(to_csv([valid_row(), valid_row(year="1999", unit="litres")]))
    found = {(p.row, p.column, p.code) for p in problems}
    assert found == {(3, "id", "repeated_id"), (3, "year", "year_range"), (3, "unit", "not_one_of")}


def test_problems_come_in_the_order_of_the_file():
    text = "id,value\n" + "\n".join(to_csv([valid_row(question_id="nope")]).splitlines()[1:])
    rows = [p.row for p in problems_of(text)]
    assert rows == sorted(rows) and rows[0] == 1


def test_the_figures_in_force_written_as_a_reference_file_read_back_the_same(figures):
    from readiness.core.reference import to_csv as figures_csv

    text = figures_csv(list(figures.values()))
    assert text.startswith("\ufeff" + ",".join(ALL_COLUMNS))
    assert {f.id: f for f in parse(text, load())} == figures
