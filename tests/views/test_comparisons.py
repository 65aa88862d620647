"""The results' comparison charts on the page: KT's figures in the words of their precision, the peer group's
released counts, the organisation's answer marked in words, other surveys apart.

Expected words are written out by hand from the reference file's rows (value, unit, precision): r.own.regular
1/3 approximate, r.own.tried 40 % lower bound ("runsaat 40 prosenttia"), r.own.none 1/4 approximate,
r.change.very 1/10 approximate, r.org.some 70 % (2024), r2025.org.some 85 %, r2025.productivity over 70 %.
"""

import pytest

from tests.views.test_results import add_peers
from tests.views.test_results import soup
from tests.views.test_results import submitted  # noqa: F401 (a fixture)

NBSP = "\u00a0"
EXPECTED = {
    "en": {
        "own_use": [
            "KT's survey 2024: about one in three",
            "KT's survey 2024: more than 40%",
            "KT's survey 2024: about one in four",
        ],
        "change": ["KT's survey 2024: about one in ten"],
        "org_use": ["KT's survey 2024: 70%", "KT's survey 2025: 85%"],
        "benefits": ["KT's survey 2025: more than 70%"],
    },
    "fi": {
        "own_use": [
            "KT:n kysely 2024: noin joka kolmas",
            f"KT:n kysely 2024: yli 40{NBSP}%",
            "KT:n kysely 2024: noin joka neljäs",
        ],
        "change": ["KT:n kysely 2024: noin joka kymmenes"],
        "org_use": [f"KT:n kysely 2024: 70{NBSP}%", f"KT:n kysely 2025: 85{NBSP}%"],
        "benefits": [f"KT:n kysely 2025: yli 70{NBSP}%"],
    },
    "sv": {
        "own_use": [
            "KT:s enkät 2024: ungefär var tredje",
            f"KT:s enkät 2024: över 40{NBSP}%",
            "KT:s enkät 2024: ungefär var fjärde",
        ],
        "change": ["KT:s enkät 2024: ungefär var tionde"],
        "org_use": [f"KT:s enkät 2024: 70{NBSP}%", f"KT:s enkät 2025: 85{NBSP}%"],
        "benefits": [f"KT:s enkät 2025: över 70{NBSP}%"],
    },
}


def chart_of(page, question_id):
    return page.find(id=f"result-{question_id}").find_parent("section").select_one("figure.compare svg")


def svg_lines(svg):
    return [text.get_text() for text in svg.find_all("text")]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_published_figure_is_drawn_in_the_words_of_its_precision(submitted, lang):  # noqa: F811
    page = soup(submitted.get(f"/{lang}/results"))
    for question_id, expected in EXPECTED[lang].items():
        lines = svg_lines(chart_of(page, question_id))
        for words in expected:
            assert words in lines, (question_id, words, lines)


def test_approximate_and_lower_bound_figures_are_drawn_as_such(submitted):  # noqa: F811
    page = soup(submitted.get("/en/results"))
    own_use = chart_of(page, "own_use")
    kinds = [rect["class"] for rect in own_use.find_all("rect") if "bar" in rect.get("class", [])]
    # Regularly (about 1/3), acquainted (over 40 %), none (about 1/4); no peers yet.
    assert [kind[1] for kind in kinds] == ["bar--approximate", "bar--lower-bound", "bar--approximate"]
    assert len(own_use.find_all("path", class_="arrow")) == 1
    benefits = chart_of(page, "benefits")
    assert [r["class"][1] for r in benefits.find_all("rect") if "bar" in r.get("class", [])] == ["bar--lower-bound"]


def test_the_organisations_answer_is_marked_in_words(submitted, db, questionnaire):  # noqa: F811
    add_peers(db, questionnaire, 4)
    page = soup(submitted.get("/en/results"))
    # The answers given: the first option everywhere (the first two in multiple choice).
    own_use = chart_of(page, "own_use")
    bold = [t.get_text() for t in own_use.find_all("text") if t.get("font-weight") == "700"]
    assert bold == ["✓ Regularly (your answer)"]
    section = page.find(id="result-own_use").find_parent("section")
    chosen = section.select("tbody tr.is-chosen")
    assert len(chosen) == 1 and "✓ your answer" in chosen[0].get_text(" ", strip=True)
    benefits = svg_lines(chart_of(page, "benefits"))
    assert "✓ Better customer service (your answer)" in benefits
    assert "✓ Faster routine tasks (your answer)" in benefits
    org_use = svg_lines(chart_of(page, "org_use"))
    assert org_use.count("✓ Your answer: Not at all") == 10
    assert org_use.count("Same answer as 5 of 5 in your peer group") == 10


def test_the_peer_group_is_drawn_as_released_counts(submitted, db, questionnaire):  # noqa: F811
    add_peers(db, questionnaire, 4)
    page = soup(submitted.get("/en/results"))
    lines = svg_lines(chart_of(page, "own_use"))
    # All five of the group answered "Regularly" (the first option).
    assert "Your peer group: 5 of 5 organisations (100%)" in lines
    assert "Your peer group: 0 of 5 organisations (0%)" in lines
    # A grid's row: the group's answers over the options, each with its count, the organisation's outlined.
    org_use = chart_of(page, "org_use")
    segments = org_use.find_all("rect", class_="segment")
    assert len(segments) == 10 and all("segment--chosen" in s["class"] for s in segments)
    section = page.find(id="result-org_use").find_parent("section")
    hr = section.find("th", string="Human resources (HR)").parent.get_text(" ", strip=True)
    assert "✓ Not at all: 5 of 5 organisations (100%)" in hr and "A little: 0 of 5 organisations (0%)" in hr


def test_other_surveys_never_enter_the_charts(submitted):  # noqa: F811
    page = soup(submitted.get("/en/results"))
    for svg in page.select("figure.compare svg"):
        text = " ".join(svg_lines(svg))
        for other in ("Statistics Finland", "SAK", "Working Life Barometer", "Association of Finnish", "41%", "36%"):
            assert other not in text
    own_use = page.find(id="result-own_use").find_parent("section")
    assert "Statistics Finland" in own_use.select_one(".context-figures").get_text()


def test_charts_name_their_sources(submitted):  # noqa: F811
    page = soup(submitted.get("/sv/results"))
    sources = page.find(id="result-own_use").find_parent("section").select_one(".compare__sources")
    assert sources.find("a", string="KT, pressmeddelande 2024") is not None


@pytest.mark.parametrize(
    ("lang", "own_type", "counts"),
    [
        ("en", "✓ Municipality (your organisation)", ["KT's survey 2024: 114 of 155", "KT's survey 2024: 3 of 155"]),
        ("fi", "✓ Kunta (organisaatiosi)", ["KT:n kysely 2024: 114/155", "KT:n kysely 2024: 18/155"]),
        ("sv", "✓ Kommun (din organisation)", ["KT:s enkät 2024: 114 av 155", "KT:s enkät 2024: 7 av 155"]),
    ],
)
def test_kts_respondent_counts_are_counts_of_their_base_with_the_organisations_type(submitted, lang, own_type, counts):  # noqa: F811
    # The answers' organisation is a municipality (the first option of the type question).
    page = soup(submitted.get(f"/{lang}/results"))
    svg = page.select_one("#compare-org_type-caption").find_parent("figure").svg
    lines = svg_lines(svg)
    assert own_type in lines
    for count in counts:
        assert count in lines
    bold = [t.get_text() for t in svg.find_all("text") if t.get("font-weight") == "700"]
    assert bold == [own_type]


def test_an_operators_figure_about_a_grid_row_is_drawn_in_that_row(runner, submitted, tmp_path):  # noqa: F811
    from tests.views.test_results import operator_row
    from tests.views.test_results import write_csv

    row = operator_row(
        id="kt.full.org_use.hr",
        question_id="org_use.hr",
        option_id="a_lot",
        value="8",
        precision="approximate",
        text_en="about 8% used AI a lot in HR",
    )
    result = runner.invoke(args=["reference", "load", str(write_csv(tmp_path / "rows.csv", [row]))])
    assert result.exit_code == 0, result.output
    page = soup(submitted.get("/en/results"))
    lines = svg_lines(chart_of(page, "org_use"))
    # Under its row (HR, the first), in the words of its precision, before the next row's label.
    hr = lines.index("Human resources (HR)")
    assert lines[hr + 2] == "KT's survey 2024: about 8%"
    assert lines[hr + 3] == "Marketing"


def test_the_report_draws_the_same_charts_and_lists_kts_figures_in_full(submitted, questionnaire):  # noqa: F811
    from readiness.core import reference

    page = soup(submitted.get("/fi/download/report.html"))
    own_use = page.find(id="result-own_use").find_parent("section")
    lines = svg_lines(own_use.select_one("figure.compare svg"))
    assert "KT:n kysely 2024: noin joka kolmas" in lines and f"KT:n kysely 2024: yli 40{NBSP}%" in lines
    listed = " ".join(own_use.select_one("ul.compare__figures").get_text(" ").split())
    for figure in reference.load_packaged(questionnaire):
        if figure.question_id == "own_use" and figure.option_id:
            assert figure.text("fi") in listed, figure.id
    assert own_use.find("a", string="KT, tiedote 2024") is not None
    assert page.find("details") is None and page.find("script") is None
