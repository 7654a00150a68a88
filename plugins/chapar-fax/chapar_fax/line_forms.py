"""The fax line form's rules: what a line has beyond any provider account (chapar.ProviderAccounts
cleans and saves the name, kind, rate, default flag and the transport's settings).

Errors are codes ("required", "bad_number" …) or the transport's own messages.
"""
from chapar import ProviderAccounts

from . import numbers
from .lines import FaxLine, line_for
from .transports.registry import forget, transport_for, transport_kinds

LIMITS = {"max_tries": (1, 10), "retry_minutes": (1, 1440)}
LINES = ProviderAccounts(model=FaxLine, channel="fax", noun="line", label="fax line", templates="chapar_fax",
                         default=lambda: line_for(""), kinds=transport_kinds, instance=transport_for,
                         forget=forget)


def _whole_number(form, name, default, errors):
    raw = (form.get(name) or "").strip()
    low, high = LIMITS[name]
    try:
        value = int(raw) if raw else default
        if not low <= value <= high:
            raise ValueError
        return value
    except ValueError:
        errors[name] = "out_of_range"
        return raw


def clean_line(form, region, line=None):
    """(values, settings, errors) from a submitted line form; `line` is the one edited, if any.
    Our fax number is read in the channel's default `region` when it has no country code."""
    def own(form, values, errors):
        sender = (form.get("sender") or "").strip()
        try:
            values["sender"] = numbers.e164(sender, region) if sender else ""
        except ValueError:
            values["sender"], errors["sender"] = sender, "bad_number"
        values["max_tries"] = _whole_number(form, "max_tries", 3, errors)
        values["retry_minutes"] = _whole_number(form, "retry_minutes", 5, errors)

    return LINES.clean(form, line, own)
