"""Numbers and dates as the page's language writes them, with the symbols of Babel's locale data (CLDR): a
decimal comma and a no-break space between thousands in Finnish and Swedish, "40 %" there and "40%" in English;
dates as Finns write them.

Python's own formatting does the rounding and grouping and Babel's symbols replace its "," and ".": a results
page formats hundreds of numbers, and Babel's ``format_decimal`` costs some fifty times as much per number.
"""

from datetime import UTC
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_percent as babel_percent
from babel.numbers import get_decimal_symbol
from babel.numbers import get_group_symbol
from babel.numbers import get_minus_sign_symbol

HELSINKI = ZoneInfo("Europe/Helsinki")


@cache
def _symbols(lang):
    """Return the translation of Python's ",", "." and "-" into ``lang``'s symbols, and its percent suffix."""
    table = str.maketrans(
        {",": get_group_symbol(lang), ".": get_decimal_symbol(lang), "-": get_minus_sign_symbol(lang)}
    )
    return table, babel_percent(0, locale=lang)[1:]


def format_number(value, lang, decimals=0):
    """Format a number in ``lang`` with ``decimals`` decimals (rounded half to even)."""
    return f"{value:,.{decimals}f}".translate(_symbols(lang)[0])


def format_percent(value, lang):
    """Format a percentage (0–100, not a fraction) in ``lang``, without decimals: "40 %" in fi and sv, "40%" in en."""
    return format_number(value, lang) + _symbols(lang)[1]


def signed(value, lang):
    """Format a change with its sign: +12, −3 (a real minus sign), and 0 for what rounds to nothing (never ±0)."""
    text = format_number(abs(value), lang)
    if text == format_number(0, lang):
        return text
    return f"+{text}" if value > 0 else f"−{text}"


def format_date(iso_timestamp):
    """Return a stored UTC timestamp as its date in Helsinki, d.M.yyyy: the Finnish way, used in every language."""
    return format_datetime(datetime.fromisoformat(iso_timestamp), "d.M.yyyy", tzinfo=HELSINKI, locale="fi")


def local_date(moment):
    """Return a datetime's date in Helsinki, the day ``format_date`` says (a download made at 00.40 Finnish time on
    2 December is of the 2nd, though it is still the 1st in UTC); a datetime without an offset is UTC, as stored."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(HELSINKI).date()
