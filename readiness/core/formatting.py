"""Numbers and dates as the page's language writes them, through Babel (CLDR): a decimal comma and a no-break
space between thousands in Finnish and Swedish, "40 %" there and "40%" in English; dates as Finns write them.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

HELSINKI = ZoneInfo("Europe/Helsinki")


def format_number(value, lang, decimals=0):
    """Format a number in ``lang`` with ``decimals`` decimals (rounded half to even, as Babel does)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=lang)


def format_percent(value, lang):
    """Format a percentage (0–100, not a fraction) in ``lang``, without decimals: "40 %" in fi and sv, "40%" in en."""
    number = format_number(value, lang)
    return f"{number}%" if lang == "en" else f"{number}\u00a0%"


def signed(value, lang):
    """Format a change with its sign: +12, −3 (a real minus sign), 0."""
    text = format_number(abs(value), lang)
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def format_date(iso_timestamp):
    """Return a stored UTC timestamp as a date in Helsinki, d.M.yyyy: the format used in every language."""
    moment = datetime.fromisoformat(iso_timestamp).astimezone(HELSINKI)
    return f"{moment.day}.{moment.month}.{moment.year}"
