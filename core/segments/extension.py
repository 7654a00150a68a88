"""SegmentFilter: a condition a plugin adds to the filter language through register_segment_filters.

    SegmentFilter("opened_within_days", "Opened an email in the last N days", opened_since,
                  value_kind="days")

is written in filters as {"op": "opened_within_days", "value": 30}. The core checks the value
against `value_kind` (and `validate`, if given), then calls `expression` with keyword arguments
it asks for by name — `value`, `contact_id` (the Contact.id column) and `now` (naive UTC, the
same for the whole filter) — and uses the peewee expression it returns, typically
`contact_id.in_(<a query selecting contact ids>)`. It never sees SQL text.
"""
import inspect
import logging
import re

from .language import ALL_OPS, GROUPS
from .values import VALUE_KINDS, check_value

log = logging.getLogger("chapar.segments")

_NAME = re.compile(r"^[a-z][a-z0-9_.]{1,63}$")
_ARGUMENTS = ("value", "contact_id", "now")


class SegmentFilter:
    """A plugin's condition. See docs/plugin-hooks.md, `register_segment_filters`.

    name        the operator written in filters; lower case, digits, "_" and "." (prefix it with
                your plugin's name); it must not be a built-in operator
    label       what the filter builder shows (a string or a lazy translation)
    expression  callable(value=..., contact_id=..., now=...) -> a peewee expression on Contact,
                taking any subset of those keyword arguments
    value_kind  none, text, choice, number, integer, days, date, boolean or reference (an id)
    choices     for value_kind "choice": the accepted values, or (value, label) pairs
    validate    optional callable(value) -> value, after the kind's own check; raise ValueError
                with a message to refuse a value
    help        a sentence the builder shows under the condition
    """

    def __init__(self, name, label, expression, value_kind="none", choices=(), validate=None, help=""):
        if not isinstance(name, str) or not _NAME.match(name) or name in ALL_OPS or name in GROUPS:
            raise ValueError(f"SegmentFilter name {name!r}: use 2-64 of a-z 0-9 _ . and no built-in operator")
        if value_kind not in VALUE_KINDS:
            raise ValueError(f"SegmentFilter {name}: value_kind must be one of {', '.join(VALUE_KINDS)}")
        if not callable(expression):
            raise ValueError(f"SegmentFilter {name}: expression must be callable")
        wanted = [p for p in inspect.signature(expression).parameters if p in _ARGUMENTS]
        unknown = [p for p, spec in inspect.signature(expression).parameters.items()
                   if p not in _ARGUMENTS and spec.default is inspect.Parameter.empty
                   and spec.kind not in (spec.VAR_KEYWORD, spec.VAR_POSITIONAL)]
        if unknown:
            raise ValueError(f"SegmentFilter {name}: expression takes unknown arguments {unknown}; "
                             f"it may take {', '.join(_ARGUMENTS)}")
        self.name = name
        self.label = label
        self.expression = expression
        self.value_kind = value_kind
        self.choice_pairs = tuple(c if isinstance(c, (tuple, list)) else (c, c) for c in choices)
        self.validate = validate
        self.help = help
        self._wanted = tuple(wanted)

    @property
    def choices(self):
        return tuple(value for value, _label in self.choice_pairs)

    def check(self, value):
        """The normal form of `value`; ValueProblem or ValueError (the plugin's) when it is wrong."""
        value = check_value(self.value_kind, value, self.choices)
        if self.validate is not None:
            value = self.validate(value)
        return value

    def build(self, value, contact_id, now):
        """The plugin's expression for a checked value."""
        available = {"value": value, "contact_id": contact_id, "now": now}
        return self.expression(**{name: available[name] for name in self._wanted})

    def __repr__(self):
        return f"SegmentFilter({self.name!r})"


def plugin_filters():
    """{name: SegmentFilter} from every plugin's register_segment_filters; first name wins."""
    from ..plugins import call_hook_flat  # late: the plugin manager imports this module

    found = {}
    for item in call_hook_flat("register_segment_filters"):
        if item.name in found:
            log.error("segment filter %r is registered twice; the second is ignored", item.name)
            continue
        found[item.name] = item
    return found
