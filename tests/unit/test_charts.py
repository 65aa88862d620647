"""Charts: the plotly figure, its data table and its SVG twin show the same numbers, written as the page writes
them (a decimal comma and "40 %" with a no-break space in Finnish and Swedish, "40%" in English).

The figure's JSON is read back with json.loads and the SVG with an XML parser; every expected text is written
out by hand from the inputs below.
"""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from readiness.core.charts import BAR_HEIGHT
from readiness.core.charts import LABEL_LINE_HEIGHT
from readiness.core.charts import LABEL_WIDTH
from readiness.core.charts import Chart
from readiness.core.charts import Table
from readiness.core.charts import distribution_chart
from readiness.core.charts import profile_chart
from readiness.core.charts import svg_bars

NBSP = "\u00a0"
SVG = "{http://www.w3.org/2000/svg}"

PROFILE_ROWS = [("Käyttöönotto", 62.4, 50.0), ("Oma käyttö", None, 37.6), ("Asenne", 100.0, None)]
PROFILE_LABELS = {
    "organisation": "Organisaatiosi",
    "peers": "Vertailuryhmän mediaani",
    "dimension": "Ulottuvuus",
    "no_score": "ei pistemäärää",
}
DISTRIBUTION_ROWS = [("Säännöllisesti", 40.0, True), ("R&D <tiimi>", 33.3, False), ("Ei kokemusta", 26.7, False)]
DISTRIBUTION_LABELS = {"peers": "Vertailuryhmä", "option": "Vaihtoehto", "yours": "vastauksesi", "chosen": "valittu"}


def figure(chart):
    return json.loads(chart.figure_json)


def read_svg(svg):
    """The SVG as the reader sees it: tick labels and where they stand, and per bar its label, the length it
    stands for (0–100, read against the 0 and 100 ticks), its value text, whether it is hatched, and its marker."""
    root = ET.fromstring(svg)
    elements = [e for e in root if e.tag != f"{SVG}defs"]
    ticks = [(float(e.get("x")), e.text) for e in elements if e.tag == f"{SVG}text" and e.get("text-anchor")]
    zero, hundred = ticks[0][0], ticks[-1][0]

    def on_scale(x):
        return (x - zero) / (hundred - zero) * 100

    bars = []
    for index, element in enumerate(elements):
        # A bar: a rect between its label and its value; the legend's swatch is a 14 × 14 square.
        if element.tag != f"{SVG}rect" or element.get("width") == element.get("height") == "14":
            continue
        label, value = elements[index - 1], elements[index + 1]
        marker = elements[index + 2] if index + 2 < len(elements) else None
        marker_x = None
        if marker is not None and marker.tag == f"{SVG}path":
            marker_x = on_scale(float(marker.get("d").split()[1]))
        bars.append(
            {
                "label": label.text,
                "length": on_scale(float(element.get("x")) + float(element.get("width"))),
                "value": value.text,
                "hatched": element.get("fill").startswith("url(#"),
                "marker": marker_x,
            }
        )
    first_line = next(i for i, e in enumerate(elements) if e.tag == f"{SVG}line")
    legend = [e.text for e in elements[:first_line] if e.tag == f"{SVG}text"]
    return {"root": root, "ticks": [text for _, text in ticks], "bars": bars, "legend": legend}


# The profile --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def profile():
    return profile_chart("profile", "Valmiusprofiili", "Suurin ero on asenteessa.", PROFILE_ROWS, PROFILE_LABELS, "fi")


def test_the_profile_is_a_chart_with_its_title_and_takeaway(profile):
    assert isinstance(profile, Chart) and isinstance(profile.table, Table)
    assert (profile.id, profile.title, profile.takeaway) == ("profile", "Valmiusprofiili", "Suurin ero on asenteessa.")
    assert profile.table.caption == "Valmiusprofiili"


def test_the_profile_figure_holds_the_scores_and_the_peer_medians(profile):
    data = figure(profile)
    organisation, peers = data["data"]
    assert (organisation["type"], organisation["name"], organisation["orientation"]) == ("bar", "Organisaatiosi", "h")
    assert organisation["y"] == ["Käyttöönotto", "Oma käyttö", "Asenne"]
    # No score draws no bar and says so in words.
    assert organisation["x"] == [62.4, 0, 100.0]
    assert organisation["text"] == ["62", "ei pistemäärää", "100"]
    assert (peers["type"], peers["name"]) == ("scatter", "Vertailuryhmän mediaani")
    assert peers["y"] == organisation["y"]
    assert peers["x"] == [50.0, 37.6, None]
    assert data["layout"]["separators"][0] == ","  # the decimal comma


def test_the_profile_table_has_the_same_numbers(profile):
    assert profile.table.columns == ("Ulottuvuus", "Organisaatiosi", "Vertailuryhmän mediaani")
    assert profile.table.rows == (
        ("Käyttöönotto", "62", "50"),
        ("Oma käyttö", "ei pistemäärää", "38"),
        ("Asenne", "100", "–"),
    )


def test_the_profile_svg_draws_the_same_numbers(profile):
    svg = read_svg(profile.svg)
    assert svg["root"].get("aria-hidden") == "true"  # the table beside it is what assistive technology reads
    assert svg["ticks"] == ["0", "25", "50", "75", "100"]
    assert svg["legend"] == ["Organisaatiosi", "Vertailuryhmän mediaani"]
    bars = svg["bars"]
    assert [bar["label"] for bar in bars] == ["Käyttöönotto", "Oma käyttö", "Asenne"]
    assert [bar["value"] for bar in bars] == ["62", "ei pistemäärää", "100"]
    assert [bar["length"] for bar in bars] == pytest.approx([62.4, 0, 100], abs=0.05)
    assert [bar["marker"] for bar in bars] == [pytest.approx(50, abs=0.05), pytest.approx(37.6, abs=0.05), None]
    assert all(bar["hatched"] for bar in bars)


def test_figure_table_and_svg_agree_on_every_profile_row(profile):
    """The three forms read the same: the figure's texts, the table's organisation column and the SVG's values."""
    texts = figure(profile)["data"][0]["text"]
    assert texts == [row[1] for row in profile.table.rows] == [bar["value"] for bar in read_svg(profile.svg)["bars"]]


def test_a_profile_without_peers_has_no_peer_series_or_column():
    rows = [("Käyttöönotto", 12.5, None), ("Asenne", 87.5, None)]
    chart = profile_chart("p", "Title", "Takeaway.", rows, PROFILE_LABELS, "en")
    data = figure(chart)
    assert [trace["type"] for trace in data["data"]] == ["bar"]
    # Half to even: 12.5 is written 12 and 87.5 is written 88.
    assert data["data"][0]["text"] == ["12", "88"]
    assert data["layout"]["separators"][0] == "."
    assert chart.table.columns == ("Ulottuvuus", "Organisaatiosi")
    assert chart.table.rows == (("Käyttöönotto", "12"), ("Asenne", "88"))
    assert [bar["marker"] for bar in read_svg(chart.svg)["bars"]] == [None, None]
    # The SVG's legend names only what it draws: the organisation, not a peer median it lacks.
    assert PROFILE_LABELS["organisation"] in chart.svg
    assert PROFILE_LABELS["peers"] not in chart.svg


@pytest.mark.parametrize(("lang", "expected"), [("fi", f",{NBSP}"), ("sv", f",{NBSP}"), ("en", ".,")])
def test_plotly_writes_numbers_with_the_pages_separators(lang, expected):
    """Plotly's separators (decimal, then thousands) and percent ticks are the page's, no-break space included."""
    chart = distribution_chart("d", "T", "K.", [("a", 40, True), ("b", 60, False)], DISTRIBUTION_LABELS, lang)
    layout = figure(chart)["layout"]
    assert layout["separators"] == expected
    assert layout["xaxis"]["ticksuffix"] == ("%" if lang == "en" else f"{NBSP}%")


# The distribution ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "percents", "ticks", "decimal"),
    [
        ("fi", [f"40{NBSP}%", f"33{NBSP}%", f"27{NBSP}%"], [f"{n}{NBSP}%" for n in (0, 25, 50, 75, 100)], ","),
        ("sv", [f"40{NBSP}%", f"33{NBSP}%", f"27{NBSP}%"], [f"{n}{NBSP}%" for n in (0, 25, 50, 75, 100)], ","),
        ("en", ["40%", "33%", "27%"], ["0%", "25%", "50%", "75%", "100%"], "."),
    ],
)
def test_the_distribution_shows_the_same_shares_in_figure_table_and_svg(lang, percents, ticks, decimal):
    chart = distribution_chart(
        "own-use", "Oma käyttö", "Useimmat käyttävät.", DISTRIBUTION_ROWS, DISTRIBUTION_LABELS, lang
    )
    assert (chart.id, chart.title, chart.takeaway, chart.table.caption) == (
        "own-use",
        "Oma käyttö",
        "Useimmat käyttävät.",
        "Oma käyttö",
    )

    data = figure(chart)
    [bar] = data["data"]
    assert (bar["type"], bar["name"], bar["orientation"]) == ("bar", "Vertailuryhmä", "h")
    assert bar["x"] == [40.0, 33.3, 26.7]
    assert bar["text"] == percents
    # The organisation's own answer is marked in words, by colour and by a pattern.
    assert bar["y"] == ["Säännöllisesti  ◀\xa0vastauksesi", "R&D <tiimi>", "Ei kokemusta"]
    assert bar["marker"]["pattern"]["shape"] == ["/", "", ""]
    assert len(set(bar["marker"]["color"])) == 2 and bar["marker"]["color"][1] == bar["marker"]["color"][2]
    layout = data["layout"]
    assert layout["separators"][0] == decimal
    assert layout["xaxis"]["ticksuffix"].strip() == "%"
    assert (layout["xaxis"]["ticksuffix"] == "%") is (lang == "en")

    assert chart.table.columns == ("Vaihtoehto", "Vertailuryhmä", "vastauksesi")
    assert chart.table.rows == (
        ("Säännöllisesti", percents[0], "valittu"),
        ("R&D <tiimi>", percents[1], ""),
        ("Ei kokemusta", percents[2], ""),
    )

    svg = read_svg(chart.svg)
    assert svg["ticks"] == ticks
    assert svg["legend"] == []
    assert [b["label"] for b in svg["bars"]] == ["Säännöllisesti ◀ vastauksesi", "R&D <tiimi>", "Ei kokemusta"]
    assert [b["value"] for b in svg["bars"]] == percents
    assert [b["length"] for b in svg["bars"]] == pytest.approx([40.0, 33.3, 26.7], abs=0.05)
    assert [b["hatched"] for b in svg["bars"]] == [True, False, False]


def test_the_svg_escapes_its_labels():
    svg = distribution_chart("x", "t", "t", DISTRIBUTION_ROWS, DISTRIBUTION_LABELS, "fi").svg
    assert "R&amp;D &lt;tiimi&gt;" in svg and "<tiimi>" not in svg


# svg_bars on its own ------------------------------------------------------------------------------------


def test_svg_bars_draws_lengths_on_the_scale_and_markers_where_given():
    svg = svg_bars(
        "s",
        [("a", 5, False, "5 of 20"), ("b", None, True, "none"), ("c", 20, True, "20 of 20")],
        20,
        markers=[10, None, 15],
        legend=("ours", "theirs"),
        ticks=[(0, "0"), (10, "10"), (20, "20")],
    )
    read = read_svg(svg)
    assert read["ticks"] == ["0", "10", "20"]
    assert read["legend"] == ["ours", "theirs"]
    # On a scale of 20: 5 is a quarter, 10 a half.
    assert [bar["length"] for bar in read["bars"]] == pytest.approx([25, 0, 100], abs=0.05)
    assert [bar["marker"] for bar in read["bars"]] == [pytest.approx(50, abs=0.05), None, pytest.approx(75, abs=0.05)]
    assert [bar["value"] for bar in read["bars"]] == ["5 of 20", "none", "20 of 20"]
    assert [bar["hatched"] for bar in read["bars"]] == [False, True, True]
    # Each chart's hatch pattern has its own id, so that two charts on one page do not share one.
    assert re.search(r'<pattern id="s-hatch"', svg)


def test_bar_labels_stand_above_their_bars_wrapped_for_a_phone():
    # Beside the bars, labels took two thirds of a phone's width; above them, wrapped, the bars keep it all.
    long = "Tekoälyn käyttö organisaatiossa ja sen eri tehtävissä ja ammateissa"
    chart = distribution_chart("q", "Otsikko", "", [(long, 40.0, True), ("Ei", 60.0, False)], DISTRIBUTION_LABELS, "fi")
    layout = figure(chart)["layout"]
    annotations = layout["annotations"]
    assert [a["y"] for a in annotations] == [0, 1] and all(a["yanchor"] == "bottom" for a in annotations)
    lines = annotations[0]["text"].split("<br>")
    assert all(len(line) <= LABEL_WIDTH for line in lines)
    assert lines == ["Tekoälyn käyttö organisaatiossa ja sen", "eri tehtävissä ja ammateissa", "◀\xa0vastauksesi"]
    # Room above the first bar for its three-line label: the y range reaches above row 0's centre by at least
    # the label and half a bar.
    row_height = 3 * LABEL_LINE_HEIGHT + BAR_HEIGHT + 12
    assert -layout["yaxis"]["range"][1] * row_height >= 3 * LABEL_LINE_HEIGHT + BAR_HEIGHT / 2
    assert layout["xaxis"]["tickvals"] == [0, 25, 50, 75, 100]


def test_a_matrix_is_drawn_as_one_full_bar_per_row_split_by_option():
    import re as regex

    from readiness.core.charts import svg_stacked

    svg = svg_stacked("m", [("HR <hallinto>", [50.0, 25.0, 25.0]), ("Talous", [5.0, 0.0, 95.0])], ["A", "B", "C"])
    assert "HR &lt;hallinto&gt;" in svg and "<hallinto>" not in svg
    widths = [float(w) for w in regex.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="18"', svg)]
    # Two rows of three segments, each row the whole plot width (664 px), each segment its share of it.
    assert len(widths) == 6
    assert widths[:3] == pytest.approx([332, 166, 166], abs=0.1)
    assert sum(widths[3:]) == pytest.approx(664, abs=0.2)
    # Segments of 8 % or more carry their share; the 5 % one does not.
    labels = regex.findall(r'font-weight="700">(\d+)</text>', svg)
    assert labels == ["50", "25", "25", "95"]


def test_a_diamond_never_covers_its_bars_value():
    """Bars of 50 and 20 on a scale of 100 with the peers' medians at 52 and 80: the diamond at 52 stands where
    the text "50" would start (the bar ends at 174 px, the text 6 px after it), so the text moves past the
    diamond; the one at 80 is far from "20" and leaves it where it was."""
    svg = svg_bars("d", [("a", 50, True, "50"), ("b", 20, True, "20")], 100, markers=[52, 80])
    values = {text: float(x) for x, text in re.findall(r'<text x="([\d.]+)" y="\d+" fill="#1a1a1a">(\d+)</text>', svg)}
    diamonds = [float(x) for x in re.findall(r'<path d="M ([\d.]+) \d+ l 8 9', svg)]
    assert diamonds == pytest.approx([8 + 332 * 0.52, 8 + 332 * 0.80], abs=0.1)
    assert values["50"] >= diamonds[0] + 8  # past the diamond's right corner
    assert values["20"] == pytest.approx(8 + 332 * 0.20 + 6, abs=0.1)  # where it always was
