"""The results' comparison charts: every figure drawn as precisely as it was published, and no more.

The SVG is read back with an XML parser. Expected positions are worked out by hand from the chart's scale,
written here as numbers: 0 % stands at x = 4 and 100 % at x = 364 (360 pixels for 100 points), so 70 % is at
4 + 252 = 256, one in three at 4 + 120 = 124, and 114 of 155 at 4 + 360 × 114 / 155 = 268.77.
"""

import xml.etree.ElementTree as ET

import pytest

from readiness.core.comparisons import Drawn
from readiness.core.comparisons import Row
from readiness.core.comparisons import Words
from readiness.core.comparisons import comparison_svg
from readiness.core.comparisons import drawn_figure
from readiness.core.comparisons import peers_drawn
from readiness.core.reference import Figure

SVG = "{http://www.w3.org/2000/svg}"
AT_70 = 256.0
AT_ONE_THIRD = 124.0
AT_114_OF_155 = 268.77

ENGLISH = Words(
    about_share="about %(share)s",
    more_than_share="more than %(share)s",
    about_percent="about %(percent)s",
    more_than_percent="more than %(percent)s",
    count_of="%(count)s of %(base)s",
    peers_count="%(count)s of %(base)s organisations (%(percent)s)",
    one_in={3: "one in three", 4: "one in four", 10: "one in ten"},
    yours="your answer",
    your_answer="Your answer: %(answer)s",
)
FINNISH = Words(
    about_share="noin %(share)s",
    more_than_share="useampi kuin %(share)s",
    about_percent="noin %(percent)s",
    more_than_percent="yli %(percent)s",
    count_of="%(count)s/%(base)s",
    peers_count="%(count)s/%(base)s organisaatiota (%(percent)s)",
    one_in={3: "joka kolmas", 4: "joka neljäs", 10: "joka kymmenes"},
    yours="vastauksesi",
    your_answer="Vastauksesi: %(answer)s",
)


def figure(value, unit, precision, n=None, text="the figure in the service's words"):
    return Figure(
        id="x",
        question_id="own_use",
        option_id="",
        value=value,
        unit=unit,
        precision=precision,
        n=n,
        year=2024,
        source_url="",
        source_name="KT",
        quote="",
        text_fi=text,
        text_sv=text,
        text_en=text,
    )


def parse(svg):
    root = ET.fromstring(svg)
    rects = [e for e in root.iter(f"{SVG}rect") if "bar" in (e.get("class") or "")]
    texts = ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]
    return root, rects, texts


def end(rect):
    return float(rect.get("x")) + float(rect.get("width"))


def chart(*drawn, chosen=False, label="Regularly"):
    return comparison_svg("c", [Row(label, chosen, tuple(drawn))], "en")


def test_a_lower_bound_reads_more_than_and_starts_at_the_bound_with_an_open_end():
    drawn = drawn_figure(figure("70", "percent", "lower-bound"), "KT 2025", ENGLISH, "en")
    assert drawn.words == "more than 70%"
    root, rects, texts = parse(chart(drawn))
    assert "KT 2025: more than 70%" in texts
    (bar,) = rects
    assert "bar--lower-bound" in bar.get("class")
    assert float(bar.get("x")) == pytest.approx(AT_70)  # the bar starts at the bound …
    assert end(bar) > AT_70 + 100  # … and runs on, never ending at it
    assert not any(end(rect) == pytest.approx(AT_70, abs=0.5) for rect in root.iter(f"{SVG}rect"))
    arrows = [p for p in root.iter(f"{SVG}path") if p.get("class") == "arrow"]
    assert len(arrows) == 1


def test_a_lower_bound_share_reads_more_than_in_words():
    drawn = drawn_figure(figure("1/3", "share", "lower-bound"), "", FINNISH, "fi")
    assert drawn.words == "useampi kuin joka kolmas"
    assert drawn.kind == "lower-bound"


def test_an_approximate_share_reads_about_and_has_no_exact_end():
    drawn = drawn_figure(figure("1/3", "share", "approximate", n=158), "KT 2024", ENGLISH, "en")
    assert drawn.words == "about one in three"
    root, rects, texts = parse(chart(drawn))
    assert "KT 2024: about one in three" in texts
    (bar,) = rects
    assert "bar--approximate" in bar.get("class")
    fades = [e for e in root.iter(f"{SVG}rect") if e.get("class") == "fade"]
    # Solid to 6 points below one in three (4 + 3.6 × 27.33 = 102.4), then five steps of falling opacity to
    # 6 points above it (4 + 3.6 × 39.33 = 145.6): no edge anywhere at one in three itself.
    assert end(bar) == pytest.approx(102.4, abs=0.1)
    assert float(fades[0].get("x")) == pytest.approx(102.4, abs=0.1)
    assert end(fades[-1]) == pytest.approx(145.6, abs=0.2)
    assert not any(end(rect) == pytest.approx(AT_ONE_THIRD, abs=0.5) for rect in root.iter(f"{SVG}rect"))
    opacities = [float(f.get("fill-opacity")) for f in fades]
    assert len(opacities) == 5 and opacities == sorted(opacities, reverse=True) and opacities[-1] > 0


def test_the_finnish_approximate_share_is_said_as_kt_said_it():
    assert drawn_figure(figure("1/4", "share", "approximate"), "", FINNISH, "fi").words == "noin joka neljäs"
    assert drawn_figure(figure("1/10", "share", "approximate"), "", FINNISH, "fi").words == "noin joka kymmenes"
    # A share without words of its own stays a fraction, never a decimal.
    assert drawn_figure(figure("2/3", "share", "approximate"), "", ENGLISH, "en").words == "about 2/3"


def test_a_percent_keeps_the_decimals_it_was_published_with():
    assert drawn_figure(figure("12.5", "percent", "exact"), "", FINNISH, "fi").words == "12,5\u00a0%"
    assert drawn_figure(figure("12.5", "percent", "exact"), "", ENGLISH, "en").words == "12.5%"
    assert drawn_figure(figure("85", "percent", "exact"), "", ENGLISH, "en").words == "85%"


def test_an_approximate_percent_reads_about():
    assert drawn_figure(figure("40", "percent", "approximate"), "", FINNISH, "fi").words == "noin 40\u00a0%"


def test_an_exact_percent_is_a_bar_ending_at_the_figure():
    drawn = drawn_figure(figure("70", "percent", "exact"), "KT 2024", ENGLISH, "en")
    assert drawn.words == "70%"
    _, rects, _ = parse(chart(drawn))
    assert end(rects[0]) == pytest.approx(AT_70)
    assert float(rects[0].get("x")) == pytest.approx(4)


def test_a_count_is_a_count_of_its_base():
    drawn = drawn_figure(figure("114", "count", "exact", n=155), "KT 2024", ENGLISH, "en")
    assert drawn.words == "114 of 155"
    _, rects, texts = parse(chart(drawn))
    assert "KT 2024: 114 of 155" in texts
    assert end(rects[0]) == pytest.approx(AT_114_OF_155, abs=0.05)  # drawn to a tenth of a pixel


def test_a_count_without_a_base_and_a_finding_without_a_number_are_words_only():
    words = "98 respondents answered; the shares were not published"
    count = drawn_figure(figure("98", "count", "exact", text=words), "KT 2024", ENGLISH, "en")
    finding = drawn_figure(figure("", "", "", text="most expected change"), "KT 2024", ENGLISH, "en")
    assert (count.kind, count.value, count.words) == ("words", None, words)
    assert (finding.kind, finding.value) == ("words", None)
    root, rects, _ = parse(chart(count, finding))
    assert rects == []
    assert root.find(f".//{SVG}text[@class='tick']") is None  # no scale without a bar


def test_the_peer_group_is_a_count_of_its_organisations():
    drawn = peers_drawn("Your peer group", 3, 12, ENGLISH, "en")
    assert drawn.words == "3 of 12 organisations (25%)"
    _, rects, _ = parse(chart(drawn))
    assert end(rects[0]) == pytest.approx(4 + 90)


def test_the_organisations_answer_is_marked_in_words_and_bold_not_by_colour_alone():
    svg = comparison_svg(
        "c",
        [
            Row("✓ Regularly (your answer)", True, (Drawn("Peers", "peers", 40, "2 of 5"),)),
            Row("Never", False, (Drawn("Peers", "peers", 60, "3 of 5"),)),
        ],
        "en",
    )
    root = ET.fromstring(svg)
    labels = {e.text: e.get("font-weight") for e in root.iter(f"{SVG}text")}
    assert labels["✓ Regularly (your answer)"] == "700"
    assert labels["Never"] is None
    # Both bars are the peers' and drawn alike: the mark is the text.
    bars = [e for e in root.iter(f"{SVG}rect") if "bar" in (e.get("class") or "")]
    assert bars[0].get("fill") == bars[1].get("fill")


def test_ticks_are_horizontal_percentages_and_the_chart_fits_a_phone():
    root = ET.fromstring(chart(Drawn("Peers", "peers", 50, "1 of 2")))
    ticks = [e for e in root.iter(f"{SVG}text") if e.get("class") == "tick"]
    assert [t.text for t in ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert all(t.get("transform") is None for t in ticks)
    assert root.get("viewBox").split()[2] == "400"
    assert root.get("aria-hidden") == "true"


def test_long_labels_wrap_and_are_escaped():
    label = "Something <b>long</b> & " + "word " * 20
    root = ET.fromstring(chart(Drawn("", "peers", 10, "1"), label=label))
    lines = [e.text for e in root.iter(f"{SVG}text") if e.text and ("word" in e.text or "Something" in e.text)]
    assert len(lines) >= 2
    assert lines[0].startswith("Something <b>long</b> &")  # parsed back: it was escaped in the SVG


def test_a_matrix_row_shows_the_peers_distribution_with_the_answer_outlined():
    row = Row(
        "HR",
        answer="✓ Your answer: A little",
        note="The same answer as 3 of 8",
        stack=(("Not at all", 4, False), ("A little", 3, True), ("A lot", 1, False)),
    )
    root = ET.fromstring(comparison_svg("m", [row], "en", legend=("Not at all", "A little", "A lot")))
    segments = [e for e in root.iter(f"{SVG}rect") if "segment" in (e.get("class") or "")]
    assert [round(float(s.get("width")), 1) for s in segments] == [180.0, 135.0, 45.0]
    chosen = [s for s in segments if "segment--chosen" in s.get("class")]
    assert len(chosen) == 1 and chosen[0].get("stroke") == "#000000"
    texts = ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]
    assert "✓3" in texts and "4" in texts
    assert "✓ Your answer: A little" in texts and "The same answer as 3 of 8" in texts
