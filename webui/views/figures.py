"""Numbers as people read them, in their language: amounts of money, percentages, durations."""
from datetime import timedelta
from decimal import Decimal

from flask_babel import format_decimal, format_percent, format_timedelta

from chapar.i18n import current_language, persian_digits


def localised(text):
    """Babel's Latin digits and separators as a Persian reader writes them (۱٬۲۵۰٫۵۰)."""
    if current_language() != "fa":
        return text
    return persian_digits(text).replace(",", "٬").replace(".", "٫").replace("%", "٪")


def money(value, currency=""):
    """An amount in the reader's language with its currency code: "1,250.50 USD", "۱٬۲۵۰ IRR"; "—" for None."""
    if value is None:
        return "—"
    amount = Decimal(value or 0)
    figure = localised(format_decimal(amount, "#,##0" if amount == amount.to_integral_value() else "#,##0.00##"))
    text = f"{figure} {currency}".strip()
    # Isolated right-to-left in Persian, or the Latin code pulls a neighbouring figure into its run.
    return f"\u2067{text}\u2069" if current_language() == "fa" else text


def percent(value):
    """42.4 -> "42%" (or "۴۲٪"); None -> ""."""
    return "" if value is None else localised(format_percent(value / 100))


def duration(seconds):
    """About how long `seconds` is, in words: "3 minutes"; "—" when unknown."""
    if seconds is None:
        return "—"
    text = format_timedelta(timedelta(seconds=max(seconds, 1)), threshold=1.1)
    return persian_digits(text) if current_language() == "fa" else text
