"""The results page's small comparison charts: per option (or per row of a matrix) the figure KT published,
drawn as precisely as it was published, and the peer group's released distribution, with the organisation's
own answer marked in words.

Drawn on the server as SVG only (no plotly): they show without JavaScript, in the downloaded report as on the
page, and keep the page light. How each figure is drawn follows its precision:

- exact (a percent as published): a bar ending at the figure;
- approximate ("about one in three"): a bar whose end fades out in steps over ±``ABOUT_SPAN`` points around the figure,
  so that no edge reads as an exact value, and the words "about …";
- lower bound ("over 70 %"): a bar that starts at the figure and runs open-ended, with an arrow, to the right,
  and the words "more than …" (never a bar ending at the bound);
- a count with its base ("114 of 155"): a bar for its share of the base, and the count in words; a count
  without a base, or a finding without a number, in words only;
- the peer group: how many of its organisations gave each answer, as the release publishes them ("3 of 12").

No Flask here: every word comes in already in the page's language (``Words``).
"""

import textwrap
from dataclasses import dataclass
from html import escape

from .charts import ORGANISATION_COLOUR
from .charts import PEER_COLOUR
from .charts import STACK_FILLS
from .charts import stack_fills
from .formatting import format_number
from .formatting import format_percent
from .reference import SHARE

# Points either side of an approximate figure over which its bar fades out: where "about" lies, not a range.
ABOUT_SPAN = 6
FADE_STEPS = 5  # an odd number: the middle step straddles the figure, so that no edge falls on it
WIDTH = 400
LEFT = 4
PLOT = 360  # 0–100 % spans LEFT .. LEFT + PLOT; the rest is room for the arrow and the last tick's text
# What fits a line of WIDTH in DejaVu Sans (a wide font, so that narrower ones fit too): 14-pixel text, its bold,
# and 13-pixel text and its bold. At 390 px the chart is drawn at about nine tenths of its size.
LABEL_CHARACTERS, LABEL_BOLD_CHARACTERS = 44, 39
SMALL_CHARACTERS, SMALL_BOLD_CHARACTERS = 48, 42
TICKS = (0, 25, 50, 75, 100)
TEXT_SIZE, INK = 13, "#1a1a1a"  # the chart's own text size and colour, set once on the <svg>


@dataclass(frozen=True)
class Words:
    """The words a comparison chart says, in the page's language. Templates use %(...)s placeholders:
    ``about_share`` / ``more_than_share`` take %(share)s, ``about_percent`` / ``more_than_percent`` take
    %(percent)s, ``count_of`` takes %(count)s and %(base)s, ``peers_count`` %(count)s, %(base)s and %(percent)s;
    ``one_in`` maps a denominator (2–10) to "one in three" and the like; ``yours`` marks the organisation's
    answer; ``your_answer`` takes %(answer)s."""

    about_share: str
    more_than_share: str
    about_percent: str
    more_than_percent: str
    count_of: str
    peers_count: str
    one_in: dict
    yours: str
    your_answer: str


@dataclass(frozen=True)
class Drawn:
    """One figure on a row of a comparison chart: its series ("KT 2024", "Your peer group"), how it is drawn
    (``kind``: exact, approximate, lower-bound, count, peers or words), where on 0–100 (None: words only) and
    the words that say it as published."""

    series: str
    kind: str
    value: float | None
    words: str


@dataclass(frozen=True)
class Row:
    """One row of a comparison chart: an option (or a matrix row) with its figures. ``chosen`` marks the
    organisation's answer; a matrix row has ``answer`` (the organisation's answer in words) and ``stack``, the
    peers' distribution over the options: (option label, organisations, chosen by the organisation)."""

    label: str
    chosen: bool = False
    figures: tuple[Drawn, ...] = ()
    answer: str = ""
    stack: tuple[tuple[str, int, bool], ...] = ()
    note: str = ""


def share_words(value, words, lang, precision):
    """Say a share a/b as published: "about one in three", "more than one in three"; a share whose numerator is
    not 1, or whose denominator has no words, as "about 2/3"."""
    numerator, denominator = (int(part) for part in SHARE.fullmatch(value).groups())
    said = words.one_in.get(denominator) if numerator == 1 else None
    said = said or f"{numerator}/{denominator}"
    if precision == "lower-bound":
        return words.more_than_share % {"share": said}
    if precision == "approximate":
        return words.about_share % {"share": said}
    return said


def drawn_figure(figure, series, words, lang):
    """Return how a published figure (``core.reference.Figure``) is drawn: kind, position and words, never more
    precise than it was published. A share's position is only where its bar's fading end lies."""
    if not figure.value:
        return Drawn(series, "words", None, figure.text(lang))
    share = SHARE.fullmatch(figure.value)
    if share:
        numerator, denominator = (int(part) for part in share.groups())
        kind = figure.precision if figure.precision in ("approximate", "lower-bound") else "approximate"
        return Drawn(series, kind, 100 * numerator / denominator, share_words(figure.value, words, lang, kind))
    number = float(figure.value)
    if figure.unit == "count":
        count = f"{number:.0f}"
        if figure.n:
            return Drawn(series, "count", 100 * number / figure.n, words.count_of % {"count": count, "base": figure.n})
        return Drawn(series, "words", None, figure.text(lang))
    # With as many decimals as the source gave: "12.5" stays 12,5 %, never rounded to 13 % or padded to 12,50 %.
    decimals = len(figure.value.partition(".")[2])
    percent = format_number(number, lang, decimals) + format_percent(0, lang)[1:]
    if figure.precision == "lower-bound":
        return Drawn(series, "lower-bound", number, words.more_than_percent % {"percent": percent})
    if figure.precision == "approximate":
        return Drawn(series, "approximate", number, words.about_percent % {"percent": percent})
    return Drawn(series, "exact", number, percent)


def peers_drawn(series, count, base, words, lang):
    """Return the peer group's figure for one answer: how many of its organisations gave it, as released."""
    percent = format_percent(100 * count / base, lang) if base else format_percent(0, lang)
    return Drawn(
        series,
        "peers",
        100 * count / base if base else 0,
        words.peers_count % {"count": count, "base": base, "percent": percent},
    )


def _x(value):
    return LEFT + PLOT * max(0.0, min(100.0, value)) / 100


def _lines(text, width):
    return textwrap.wrap(text, width) or [""]


def _n(value):
    """Write a coordinate to a tenth of a pixel, without a trailing ".0": a page holds some twenty charts."""
    return f"{value:.1f}".removesuffix(".0")


def _text(x, y, text, size=TEXT_SIZE, weight=None, fill=INK, anchor=None):
    """A line of text; the size and colour are written only where they differ from the chart's own."""
    extra = (
        (f' font-size="{size}"' if size != TEXT_SIZE else "")
        + (f' fill="{fill}"' if fill != INK else "")
        + (f' font-weight="{weight}"' if weight else "")
        + (f' text-anchor="{anchor}"' if anchor else "")
    )
    return f'<text x="{_n(x)}" y="{y}"{extra}>{escape(text)}</text>'


def _bar(drawn, y):
    """Draw one figure's bar (10 px high, its top at ``y``) as its kind says; return the SVG parts."""
    if drawn.value is None:
        return []
    colour = PEER_COLOUR if drawn.kind == "peers" else ORGANISATION_COLOUR
    start, end = _x(0), _x(drawn.value)
    if drawn.kind == "lower-bound":
        # From the bound to the right, open-ended: the figure is "more than" the bound, not the bound.
        right = _x(100) + 12
        return [
            f'<rect class="bar bar--lower-bound" x="{_n(end)}" y="{y}" width="{_n(right - 12 - end)}" height="10" '
            f'fill="{ORGANISATION_COLOUR}" fill-opacity="0.35"/>',
            f'<line x1="{_n(end)}" y1="{y - 3}" x2="{_n(end)}" y2="{y + 13}" stroke="{ORGANISATION_COLOUR}" stroke-width="2"/>',
            f'<path class="arrow" d="M {_n(right - 12)} {y - 3} L {_n(right)} {y + 5} L {_n(right - 12)} {y + 13} z" '
            f'fill="{ORGANISATION_COLOUR}"/>',
        ]
    if drawn.kind == "approximate":
        # Solid up to ABOUT_SPAN points below the figure, then fading in FADE_STEPS steps to ABOUT_SPAN points
        # above it; no step ends at the figure itself. Steps of falling opacity, not a gradient: the PDF
        # renderer draws those too.
        fade_from, fade_to = _x(drawn.value - ABOUT_SPAN), _x(drawn.value + ABOUT_SPAN)
        step = (fade_to - fade_from) / FADE_STEPS
        parts = [
            f'<rect class="bar bar--approximate" x="{_n(start)}" y="{y}" width="{_n(fade_from - start)}" height="10" '
            f'fill="{colour}"/>'
        ]
        for index in range(FADE_STEPS):
            opacity = (FADE_STEPS - index) / (FADE_STEPS + 1)
            parts.append(
                f'<rect class="fade" x="{_n(fade_from + index * step)}" y="{y}" width="{_n(step)}" height="10" '
                f'fill="{colour}" fill-opacity="{opacity:.2f}"/>'
            )
        return parts
    kind = drawn.kind if drawn.kind in ("peers", "count") else "exact"
    return [
        f'<rect class="bar bar--{kind}" x="{_n(start)}" y="{y}" width="{_n(end - start)}" height="10" fill="{colour}"/>'
    ]


def _stack(chart_id, stack, y):
    """Draw the peers' distribution over a matrix row's options as one bar of 100 %; the organisation's answer
    is outlined and its count written with a check mark."""
    total = sum(count for _, count, _ in stack)
    parts, x = [], _x(0)
    for index, (_, count, chosen) in enumerate(stack):
        if not count:
            continue
        width = PLOT * count / total
        fill_index = index % len(STACK_FILLS)
        outline = ' stroke="#000000" stroke-width="2.5"' if chosen else ' stroke="#ffffff" stroke-width="1"'
        parts.append(
            f'<rect class="segment{" segment--chosen" if chosen else ""}" x="{_n(x)}" y="{y}" width="{_n(width)}" '
            f'height="16" fill="url(#{chart_id}-fill-{fill_index})"{outline}/>'
        )
        if width >= 18:
            ink = "#ffffff" if 3 <= fill_index < 7 else "#1a1a1a"
            mark = "✓" if chosen and width >= 30 else ""
            parts.append(_text(x + width / 2, y + 12, f"{mark}{count}", 11, "700", ink, "middle"))
        x += width
    return parts


def comparison_svg(chart_id, rows, lang, legend=()):
    """Draw a comparison chart: per row its label (the organisation's answer in bold with its mark), then per
    figure a line of words ("KT 2024: about one in three") and its bar, or a matrix row's distribution;
    horizontal ticks at 0–100 % under the bars. ``legend`` names the options of a matrix's distribution."""
    parts, defs = [], []
    y = 4
    if legend:
        defs.extend(stack_fills(chart_id))
        half = WIDTH / 2
        for index, label in enumerate(legend):
            x, line_y = LEFT + (index % 2) * half, y + 18 * (index // 2)
            parts.append(
                f'<rect x="{_n(x)}" y="{line_y}" width="12" height="12" fill="url(#{chart_id}-fill-{index % len(STACK_FILLS)})" '
                f'stroke="#1a1a1a" stroke-width="0.5"/>'
            )
            parts.append(_text(x + 17, line_y + 11, textwrap.shorten(label, 26, placeholder="…"), 12))
        y += 18 * ((len(legend) + 1) // 2) + 6
    has_bars = False
    for row in rows:
        for line in _lines(row.label, LABEL_BOLD_CHARACTERS if row.chosen else LABEL_CHARACTERS):
            y += 18
            parts.append(_text(LEFT, y, line, 14, "700" if row.chosen else None))
        if row.answer:
            for line in _lines(row.answer, SMALL_BOLD_CHARACTERS):
                y += 17
                parts.append(_text(LEFT, y, line, 13, "700"))
        for line in _lines(row.note, SMALL_CHARACTERS) if row.note else ():
            y += 17
            parts.append(_text(LEFT, y, line, 13))
        if row.stack:
            parts.extend(_stack(chart_id, row.stack, y + 5))
            y += 22
        for drawn in row.figures:
            for line in _lines(f"{drawn.series}{': ' if drawn.series else ''}{drawn.words}", SMALL_CHARACTERS):
                y += 17
                parts.append(_text(LEFT, y, line, 13))
            if drawn.value is not None:
                parts.extend(_bar(drawn, y + 5))
                has_bars = True
                y += 17
        y += 10
    if has_bars:
        # Grid lines behind the bars, their labels horizontal under them.
        lines = [f'<line x1="{_n(_x(tick))}" y1="4" x2="{_n(_x(tick))}" y2="{y}" stroke="#d9dce0"/>' for tick in TICKS]
        parts = lines + parts
        y += 15
        for tick in TICKS:
            anchor = "start" if tick == 0 else "middle"
            parts.append(
                _text(_x(tick), y, format_percent(tick, lang), 12, None, "#4a4a4a", anchor).replace(
                    "<text", '<text class="tick"', 1
                )
            )
        y += 6
    height = y + 4
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="compare-svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-hidden="true" focusable="false" '
        f'font-family="DejaVu Sans, system-ui, sans-serif" font-size="{TEXT_SIZE}" fill="{INK}">'
        + (f"<defs>{''.join(defs)}</defs>" if defs else "")
        + "".join(parts)
        + "</svg>"
    )
