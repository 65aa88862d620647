"""Numbers and dates as the page's language writes them: in Finnish and Swedish a decimal comma, a no-break space
between thousands and before %, a real minus sign; in English a decimal point, a comma between thousands, "40%".
Every expected text is written out by hand."""

from datetime import datetime

import pytest

from readiness.core.formatting import format_date
from readiness.core.formatting import format_number
from readiness.core.formatting import format_percent
from readiness.core.formatting import local_date
from readiness.core.formatting import signed

NBSP = "\u00a0"
MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (12345.5, "fi", 0, f"12{NBSP}346"),
        (12345.5, "sv", 0, f"12{NBSP}346"),
        (12345.5, "en", 0, "12,346"),
        (1234567.891, "fi", 2, f"1{NBSP}234{NBSP}567,89"),
        (1234567.891, "sv", 2, f"1{NBSP}234{NBSP}567,89"),
        (1234567.891, "en", 2, "1,234,567.89"),
        (62.44, "fi", 1, "62,4"),
        (62.44, "en", 1, "62.4"),
        (999.96, "fi", 1, f"1{NBSP}000,0"),
        (999, "fi", 0, "999"),
        (40, "sv", 0, "40"),
        (0, "en", 0, "0"),
        (0, "fi", 2, "0,00"),
        (-1234.4, "fi", 0, f"{MINUS}1{NBSP}234"),
        (-1234.4, "sv", 0, f"{MINUS}1{NBSP}234"),
        (-1234.4, "en", 0, "-1,234"),
        (-2.5, "fi", 1, f"{MINUS}2,5"),
    ],
)
def test_format_number(value, lang, decimals, expected):
    assert format_number(value, lang, decimals) == expected


@pytest.mark.parametrize(("value", "expected"), [(0.5, "0"), (1.5, "2"), (2.5, "2"), (3.5, "4"), (0.51, "1")])
def test_format_number_rounds_half_to_even(value, expected):
    assert format_number(value, "fi") == expected


def test_finnish_and_swedish_numbers_never_break_at_a_space():
    for lang in ("fi", "sv"):
        for text in (format_number(1234567, lang), format_percent(12345, lang)):
            assert " " not in text and NBSP in text, (lang, text)


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (40, "fi", f"40{NBSP}%"),
        (40, "sv", f"40{NBSP}%"),
        (40, "en", "40%"),
        (66.666, "fi", f"67{NBSP}%"),
        (33.3, "en", "33%"),
        (0, "sv", f"0{NBSP}%"),
        (100, "en", "100%"),
        (12345, "fi", f"12{NBSP}345{NBSP}%"),
        (12345, "en", "12,345%"),
    ],
)
def test_format_percent(value, lang, expected):
    assert format_percent(value, lang) == expected


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (12, "fi", "+12"),
        (12.4, "sv", "+12"),
        (-3, "fi", f"{MINUS}3"),
        # The real minus sign in English too: a change, not a negative number in a table.
        (-3, "en", f"{MINUS}3"),
        (0, "en", "0"),
        (0, "fi", "0"),
        # A change that rounds to nothing is 0, never "+0" or "−0".
        (0.3, "fi", "0"),
        (-0.4, "sv", "0"),
        (0.6, "en", "+1"),
        (-1234.4, "en", f"{MINUS}1,234"),
        (1234.6, "fi", f"+1{NBSP}235"),
    ],
)
def test_signed(value, lang, expected):
    assert signed(value, lang) == expected


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        # Summer time in Helsinki is UTC+3: late evening in UTC is the next day there.
        ("2024-06-30T21:30:00+00:00", "1.7.2024"),
        ("2024-06-30T20:59:59+00:00", "30.6.2024"),
        # Winter time is UTC+2: New Year comes at 22:00 UTC.
        ("2024-12-31T21:59:59+00:00", "31.12.2024"),
        ("2024-12-31T22:00:00+00:00", "1.1.2025"),
        # The night summer time begins (31 March 2024, 01:00 UTC): 22:30 UTC on the 30th is 00:30 on the 31st.
        ("2024-03-30T22:30:00+00:00", "31.3.2024"),
        # A time given with Helsinki's own offset is that day.
        ("2024-07-01T00:30:00+03:00", "1.7.2024"),
        # A stored timestamp is UTC, even without its offset.
        ("2024-06-30T21:30:00", "1.7.2024"),
    ],
)
def test_format_date_and_local_date_give_the_day_in_helsinki(timestamp, expected):
    assert format_date(timestamp) == expected
    # Download file names carry local_date's day: the same day as the document says.
    day = local_date(datetime.fromisoformat(timestamp))
    assert f"{day.day}.{day.month}.{day.year}" == expected
