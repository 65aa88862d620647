"""Charts as plotly figure JSON, each with a one-sentence takeaway and a data table from the same numbers.

Python builds the figure; the page embeds its JSON in ``<script type="application/json">`` and one static
script draws it, so no inline JavaScript is needed. Every chart marks the organisation by a pattern and a
text label as well as by colour. No Flask here: texts come in as arguments, already in the page's language.
"""

import textwrap
from dataclasses import dataclass
from html import escape

import plotly.io as pio

from .formatting import format_number
from .formatting import format_percent

ORGANISATION_COLOUR = "#0b4f8a"
PEER_COLOUR = "#6b6b6b"

# One lean template for every figure, applied by plotly.js. Figures are plain dicts, serialised without
# validation: plotly's graph objects validate every property, which cost more than the rest of a results page.
TEMPLATE = {
    "layout": {
        "font": {
            "family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
            "size": 14,
            "color": "#1a1a1a",
        },
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 10, "r": 16, "t": 10, "b": 40},
        "xaxis": {"gridcolor": "#d9dce0", "zerolinecolor": "#6b6b6b", "tickangle": 0, "fixedrange": True},
        "yaxis": {"showticklabels": False, "fixedrange": True},
        "legend": {"orientation": "h", "y": -0.15},
    }
}


def figure_json(traces, layout):
    """Return a figure's JSON for plotly.js: its traces and its layout, with the service's template."""
    return pio.to_json({"data": traces, "layout": {**layout, "template": TEMPLATE}}, validate=False)


@dataclass(frozen=True)
class Table:
    """A chart's data as a table: a caption, column headings, and rows whose first cell heads the row."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    """A chart ready for a page: id, title, takeaway sentence, figure JSON and the same data as a table."""

    id: str
    title: str
    takeaway: str
    figure_json: str
    table: Table
    svg: str


def separators(lang):
    """Return plotly's decimal and thousands separators for a language, as the page writes numbers."""
    return format_number(1000.5, lang, 1)[-2] + format_number(1000, lang)[1]


# Bar labels stand above their bars, wrapped, rather than beside them: beside, they took two thirds of a phone's
# width. A row is as tall as its longest label needs.
LABEL_WIDTH = 38
LABEL_LINE_HEIGHT = 18
BAR_HEIGHT = 22


def bar_rows(names):
    """Return the plot-area height in pixels of horizontal bars labelled above, and the layout that draws them:
    the bar gap, the y range (room above the first bar for its label) and one annotation per bar carrying its
    label, wrapped to fit a phone."""
    lines = [textwrap.wrap(name, LABEL_WIDTH) or [""] for name in names]
    label_height = LABEL_LINE_HEIGHT * max(len(wrapped) for wrapped in lines)
    row_height = label_height + BAR_HEIGHT + 12
    above_first = (label_height + BAR_HEIGHT / 2 + 4) / row_height  # in rows, from the first bar's centre
    annotations = [
        {
            "x": 0,
            "y": index,
            "xref": "x",
            "yref": "y",
            "text": "<br>".join(wrapped),
            "showarrow": False,
            "xanchor": "left",
            "yanchor": "bottom",
            "align": "left",
            "yshift": BAR_HEIGHT / 2 + 2,
        }
        for index, wrapped in enumerate(lines)
    ]
    layout = {
        "bargap": 1 - BAR_HEIGHT / row_height,
        "yaxis": {"range": [len(names) - 0.5, -above_first], "autorange": False},
        "annotations": annotations,
    }
    return round(row_height * (len(names) - 0.5 + above_first)), layout


def profile_chart(chart_id, title, takeaway, rows, labels, lang):
    """Build the dimension profile: the organisation's score per dimension, and the peer median beside it.

    ``rows`` is a list of (dimension name, organisation score or None, peer median or None); ``labels``
    names the series and table columns: {"organisation", "peers", "dimension", "no_score"}.
    """
    names = [name for name, _, _ in rows]
    own = [score for _, score, _ in rows]
    peers = [median for _, _, median in rows]
    has_peers = any(median is not None for median in peers)
    traces = [
        dict(
            type="bar",
            name=labels["organisation"],
            y=names,
            x=[score if score is not None else 0 for score in own],
            orientation="h",
            marker={
                "color": ORGANISATION_COLOUR,
                "pattern": {"shape": "/", "fgcolor": "#ffffff", "fillmode": "overlay", "solidity": 0.2},
            },
            text=[format_number(score, lang) if score is not None else labels["no_score"] for score in own],
            textposition="outside",
            cliponaxis=False,
            hoverinfo="skip",
        )
    ]
    if has_peers:
        traces.append(
            dict(
                type="scatter",
                name=labels["peers"],
                y=names,
                x=peers,
                mode="markers",
                marker={
                    "symbol": "diamond",
                    "size": 14,
                    "color": PEER_COLOUR,
                    "line": {"width": 2, "color": "#1a1a1a"},
                },
                hoverinfo="skip",
            )
        )
    plot_height, bars = bar_rows(names)
    figure = figure_json(
        traces,
        {
            **bars,
            "separators": separators(lang),
            "height": 110 + plot_height,
            "xaxis": {"range": [0, 115], "tickvals": [0, 25, 50, 75, 100]},  # room for "100" beyond the bar
            "barmode": "overlay",
            "showlegend": True,
        },
    )
    table = Table(
        caption=title,
        columns=(labels["dimension"], labels["organisation"]) + ((labels["peers"],) if has_peers else ()),
        rows=tuple(
            (name, _cell(score, lang, labels["no_score"])) + ((_cell(median, lang, "–"),) if has_peers else ())
            for name, score, median in rows
        ),
    )
    svg = svg_bars(
        chart_id,
        [
            (name, score, True, format_number(score, lang) if score is not None else labels["no_score"])
            for name, score, _ in rows
        ],
        100,
        markers=peers if has_peers else None,
        legend=(labels["organisation"], labels["peers"]),
        ticks=[(value, format_number(value, lang)) for value in (0, 25, 50, 75, 100)],
    )
    return Chart(chart_id, title, takeaway, figure, table, svg)


def distribution_chart(chart_id, title, takeaway, rows, labels, lang):
    """Build the peers' answer distribution for one question, with the organisation's own answer marked.

    ``rows`` is a list of (option label, peers' share 0–100, chosen by the organisation: bool); ``labels``:
    {"peers", "option", "yours", "chosen"}.
    """
    # The marker kept whole (no-break spaces) when the label wraps.
    options = [label + (f"  ◀\u00a0{labels['yours']}" if chosen else "") for label, _, chosen in rows]
    shares = [share for _, share, _ in rows]
    bar = dict(
        type="bar",
        name=labels["peers"],
        y=options,
        x=shares,
        orientation="h",
        marker={
            "color": [ORGANISATION_COLOUR if chosen else PEER_COLOUR for _, _, chosen in rows],
            "pattern": {
                "shape": ["/" if chosen else "" for _, _, chosen in rows],
                "fgcolor": "#ffffff",
                "fillmode": "overlay",
                "solidity": 0.2,
            },
        },
        text=[format_percent(share, lang) for share in shares],
        textposition="outside",
        cliponaxis=False,
        hoverinfo="skip",
    )
    plot_height, bars = bar_rows(options)
    figure = figure_json(
        [bar],
        {
            **bars,
            "separators": separators(lang),
            "height": 50 + plot_height,
            "xaxis": {"range": [0, 115], "tickvals": [0, 25, 50, 75, 100], "ticksuffix": format_percent(0, lang)[1:]},
            "showlegend": False,
        },
    )
    table = Table(
        caption=title,
        columns=(labels["option"], labels["peers"], labels["yours"]),
        rows=tuple(
            (label, format_percent(share, lang), labels["chosen"] if chosen else "") for label, share, chosen in rows
        ),
    )
    svg = svg_bars(
        chart_id,
        [
            (label + (f" ◀ {labels['yours']}" if chosen else ""), share, chosen, format_percent(share, lang))
            for label, share, chosen in rows
        ],
        100,
        ticks=[(value, format_percent(value, lang)) for value in (0, 25, 50, 75, 100)],
    )
    return Chart(chart_id, title, takeaway, figure, table, svg)


def svg_bars(chart_id, bars, scale, markers=None, legend=None, ticks=()):
    """Draw horizontal bars as a static SVG, for pages that must work without JavaScript (downloads, print).

    ``bars`` is a list of (label, value or None, highlighted, value text); highlighted bars are hatched as well
    as coloured, and ``markers`` (one value or None per bar) are drawn as diamonds. Labels stand above their
    bars, so that long option texts need no truncation. The data table beside the chart carries the same numbers.
    """
    # As wide as a phone's column, so that a phone shows the text near its own size (at 680 it shrank to 7 px).
    width, left, right, row_height = 400, 8, 60, 46
    plot = width - left - right
    # The legend's entries stand one above the other: side by side they did not fit the width.
    top = 6 + 20 * ((1 if legend else 0) + (1 if legend and markers else 0))
    height = top + row_height * len(bars) + 26
    hatch = f"{chart_id}-hatch"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-hidden="true" focusable="false" '
        'font-family="DejaVu Sans, system-ui, sans-serif" font-size="13">',
        f'<defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="{ORGANISATION_COLOUR}"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#ffffff" stroke-width="2.5"/></pattern></defs>',
    ]
    if legend:
        parts.append(
            f'<rect x="{left}" y="6" width="14" height="14" fill="url(#{hatch})"/>'
            f'<text x="{left + 20}" y="18">{escape(legend[0])}</text>'
        )
    if legend and markers:
        # The markers' entry only where markers are drawn: a legend must not name what the chart lacks.
        parts.append(
            f'<path d="M {left + 7} 26 l 7 7 l -7 7 l -7 -7 z" fill="{PEER_COLOUR}" stroke="#1a1a1a" stroke-width="1.5"/>'
            f'<text x="{left + 20}" y="38">{escape(legend[1])}</text>'
        )
    for value, text in ticks:
        x = left + plot * value / scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 22}" stroke="#d9dce0"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#4a4a4a" font-size="12">{escape(text)}</text>'
        )
    for index, (label, value, highlighted, value_text) in enumerate(bars):
        y = top + index * row_height
        parts.append(f'<text x="{left}" y="{y + 14}" fill="#1a1a1a">{escape(label)}</text>')
        bar_width = plot * (value or 0) / scale
        fill = f"url(#{hatch})" if highlighted else PEER_COLOUR
        parts.append(f'<rect x="{left}" y="{y + 20}" width="{bar_width:.1f}" height="18" fill="{fill}"/>')
        text_x = left + bar_width + 6
        marker_x = left + plot * markers[index] / scale if markers and markers[index] is not None else None
        # A diamond over the value would hide it: the value moves past the diamond (about 8 px a character).
        if marker_x is not None and marker_x + 8 > text_x - 2 and marker_x - 8 < text_x + 8 * len(value_text):
            text_x = marker_x + 12
        parts.append(f'<text x="{text_x:.1f}" y="{y + 34}" fill="#1a1a1a">{escape(value_text)}</text>')
        if marker_x is not None:
            parts.append(
                f'<path d="M {marker_x:.1f} {y + 20} l 8 9 l -8 9 l -8 -9 z" fill="{PEER_COLOUR}" '
                'stroke="#1a1a1a" stroke-width="1.5"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _cell(value, lang, missing):
    return missing if value is None else format_number(value, lang)


# Shades for the options of a matrix question, light to dark, each with its own pattern, so that neighbouring
# segments differ in more than colour; the table beside the chart carries the same numbers.
STACK_FILLS = ("#d9e6f2", "#a9c6e3", "#6f9fcf", "#3f77b3", "#1d4f91", "#0b2f5a", "#6b6b6b", "#b3b3b3")
STACK_PATTERNS = ("", "dots", "", "lines", "", "cross", "", "dots")


def stack_fills(chart_id):
    """Return the SVG patterns of the stacked bars' fills, ``{chart_id}-fill-{index}``, for a chart's <defs>."""
    parts = []
    for index, fill in enumerate(STACK_FILLS):
        pattern, ink = STACK_PATTERNS[index], "#ffffff" if index >= 3 and index != 7 else "#1a1a1a"
        mark = {
            "dots": f'<circle cx="3" cy="3" r="1.2" fill="{ink}"/>',
            "lines": f'<line x1="0" y1="0" x2="0" y2="6" stroke="{ink}" stroke-width="1.5"/>',
            "cross": f'<path d="M0 0 L6 6 M6 0 L0 6" stroke="{ink}" stroke-width="1"/>',
        }.get(pattern, "")
        parts.append(
            f'<pattern id="{chart_id}-fill-{index}" patternUnits="userSpaceOnUse" width="6" height="6" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{fill}"/>{mark}</pattern>'
        )
    return parts


def svg_stacked(chart_id, rows, options):
    """Draw a matrix question as one 100 % bar per row, split by option, as a static SVG.

    ``rows`` is a list of (row label, [share 0–100 per option, in the order of ``options``]); ``options`` are the
    option labels, drawn as a legend above the bars. Each segment of 8 % or more carries its rounded share.
    """
    width, left, right, row_height = 680, 8, 8, 40
    plot = width - left - right
    legend_rows = (len(options) + 2) // 3
    top = 8 + 20 * legend_rows
    height = top + row_height * len(rows) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-hidden="true" focusable="false" '
        'font-family="DejaVu Sans, system-ui, sans-serif" font-size="12"><defs>',
    ]
    parts.extend(stack_fills(chart_id))
    parts.append("</defs>")
    for index, label in enumerate(options):
        x, y = left + (index % 3) * (plot / 3), 8 + 20 * (index // 3)
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="14" height="14" fill="url(#{chart_id}-fill-{index % len(STACK_FILLS)})" '
            f'stroke="#1a1a1a" stroke-width="0.5"/><text x="{x + 20:.1f}" y="{y + 12}">{escape(label)}</text>'
        )
    for number, (label, shares) in enumerate(rows):
        y = top + number * row_height
        parts.append(f'<text x="{left}" y="{y + 12}" fill="#1a1a1a">{escape(label)}</text>')
        x = left
        for index, share in enumerate(shares):
            segment = plot * share / 100
            fill_index = index % len(STACK_FILLS)
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 16}" width="{segment:.1f}" height="18" '
                f'fill="url(#{chart_id}-fill-{fill_index})" stroke="#ffffff" stroke-width="1"/>'
            )
            if share >= 8:
                ink = "#ffffff" if 3 <= fill_index < 7 else "#1a1a1a"
                parts.append(
                    f'<text x="{x + segment / 2:.1f}" y="{y + 29}" text-anchor="middle" fill="{ink}" '
                    f'font-weight="700">{round(share)}</text>'
                )
            x += segment
    parts.append("</svg>")
    return "".join(parts)
