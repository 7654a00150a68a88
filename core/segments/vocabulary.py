"""What a filter may name right now: core and custom fields, plugin filters and saved segments.

One Vocabulary serves one validation or compilation, so each table is read at most once however
many conditions name it (custom fields in one query, segments one by one as references lead).
"""
import json

from ..models import CustomField, Segment
from .extension import plugin_filters
from .language import CONTACT_OPS, CORE_FIELDS, CUSTOM_PREFIX, custom_field_spec

_REFERENCE_OPS = tuple(op for op, subject in CONTACT_OPS.items() if subject == "segment")


def references_in(tree):
    """The segment ids a filter (a parsed tree, valid or not) names with in_segment/not_in_segment."""
    found, stack = set(), [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            value = node.get("value")
            if node.get("op") in _REFERENCE_OPS and isinstance(value, int) and not isinstance(value, bool):
                found.add(value)
            stack.extend(value for value in node.values() if isinstance(value, (dict, list)))
        elif isinstance(node, list):
            stack.extend(node)
    return found


class Vocabulary:
    def __init__(self):
        self._custom = None
        self._plugins = None
        self._segments = {}

    def custom_fields(self):
        """{"custom.<key>": FieldSpec} of every custom field, in their display order."""
        if self._custom is None:
            rows = CustomField.select().order_by(CustomField.position, CustomField.id)
            self._custom = {spec.name: spec for spec in map(custom_field_spec, rows)}
        return self._custom

    def field(self, name):
        """The FieldSpec a condition's "field" names, or None."""
        if name.startswith(CUSTOM_PREFIX):
            return self.custom_fields().get(name)
        return CORE_FIELDS.get(name)

    def plugin_filters(self):
        if self._plugins is None:
            self._plugins = plugin_filters()
        return self._plugins

    def plugin_filter(self, name):
        return self.plugin_filters().get(name)

    def _segment(self, segment_id):
        if segment_id not in self._segments:
            row = (Segment.select(Segment.id, Segment.name, Segment.filter_json)
                   .where(Segment.id == segment_id).first())
            self._segments[segment_id] = row
        return self._segments[segment_id]

    def segment_name(self, segment_id):
        row = self._segment(segment_id)
        return row.name if row is not None else None

    def stored_filter(self, segment_id):
        """The saved filter of a segment, parsed (None when the segment or its JSON is missing)."""
        row = self._segment(segment_id)
        if row is None:
            return None
        try:
            return json.loads(row.filter_json)
        except (TypeError, ValueError):
            return None

    def references(self, segment_id):
        return references_in(self.stored_filter(segment_id))
