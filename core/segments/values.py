"""Checking one value of a condition against a kind, and turning it into its normal form.

Strings are accepted for numbers, dates, days, booleans and ids (the web form sends strings, and
people type Persian digits), but a value of the wrong JSON type for the kind is refused: `true`
is not a city, "abc" is not a number. Normal forms are JSON: numbers stay numbers, dates are
"YYYY-MM-DD" strings.
"""
import datetime
import math

from .language import MAX_DAYS, MAX_TEXT

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫٬", "01234567890123456789.,")
_TRUE = {"true", "yes", "1", "on", "بله"}
_FALSE = {"false", "no", "0", "off", "خیر"}
VALUE_KINDS = ("none", "text", "choice", "number", "integer", "days", "date", "boolean", "reference")


class ValueProblem(ValueError):
    """`code` is stable (the web UI translates it); str(self) is the English message."""

    def __init__(self, code, message, **params):
        super().__init__(message)
        self.code = code
        self.params = params


def _text(value, choices):
    if not isinstance(value, str):
        raise ValueProblem("expected_text", f"expected text, got {json_type(value)}")
    if not value.strip():
        raise ValueProblem("empty_value", "the value is empty")
    if "\x00" in value:  # PostgreSQL cannot store or compare it: refuse it here, not in the query
        raise ValueProblem("nul_character", "the value contains a NUL character")
    if len(value) > MAX_TEXT:
        raise ValueProblem("text_too_long", f"at most {MAX_TEXT} characters", limit=MAX_TEXT)
    return value


def _choice(value, choices):
    value = _text(value, choices)
    if value not in choices:
        raise ValueProblem("unknown_choice", f"{value!r} is not one of {', '.join(choices)}", value=value,
                           choices=", ".join(choices))
    return value


def _number(value, choices):
    if isinstance(value, str):
        text = value.strip().translate(_DIGITS).replace(",", "")
        try:
            value = int(text) if text.lstrip("+-").isdigit() else float(text)
        except ValueError:
            raise ValueProblem("expected_number", f"expected a number, got {value!r}", value=value) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueProblem("expected_number", f"expected a number, got {json_type(value)}", value=str(value))
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueProblem("expected_number", "expected a finite number", value=str(value))
    if isinstance(value, int) and abs(value) > 2 ** 53:  # beyond what a double column stores exactly
        raise ValueProblem("number_too_large", "the number is too large", value=str(value))
    return value


def _integer(value, choices, low=None, high=None):
    number = _number(value, choices)
    if isinstance(number, float):
        if not number.is_integer():
            raise ValueProblem("expected_integer", f"expected a whole number, got {value!r}", value=str(value))
        number = int(number)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueProblem("out_of_range", f"expected a whole number from {low} to {high}", low=low, high=high)
    return number


def _days(value, choices):
    return _integer(value, choices, 0, MAX_DAYS)


def _reference(value, choices):
    return _integer(value, choices, 1, 2 ** 31 - 1)  # ids are 32-bit on PostgreSQL


def _date(value, choices):
    if not isinstance(value, str):
        raise ValueProblem("expected_date", f"expected a date as YYYY-MM-DD, got {json_type(value)}")
    try:
        return datetime.date.fromisoformat(value.strip().translate(_DIGITS)).isoformat()
    except ValueError:
        raise ValueProblem("expected_date", f"expected a date as YYYY-MM-DD, got {value!r}", value=value) from None


def _boolean(value, choices):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    shown = repr(value) if isinstance(value, str) else json_type(value)
    raise ValueProblem("expected_boolean", f"expected true or false, got {shown}", value=str(value))


def _none(value, choices):
    if value is not None:
        raise ValueProblem("unexpected_value", "this operator takes no value")
    return None


_CHECKS = {"text": _text, "choice": _choice, "number": _number, "integer": _integer, "days": _days,
           "date": _date, "boolean": _boolean, "reference": _reference, "none": _none}


def check_value(kind, value, choices=()):
    """The normal form of `value` for `kind` (one of VALUE_KINDS); ValueProblem when it is wrong."""
    return _CHECKS[kind](value, tuple(choices))


def json_type(value):
    """How to name the JSON type of `value` in a message ("a list", "null" ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"
