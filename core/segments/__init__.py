"""Dynamic segments: a JSON filter language compiled to peewee expressions (see docs/segments.md).

    validate_filter(tree)        -> the filter in normal form, or FilterInvalid naming each problem
    compile_filter(tree)         -> a peewee expression on Contact
    save_segment(name, tree)     -> a saved Segment (validated, counted, audited)
    matching(segment_or_tree)    -> a query of the matching contacts, by id

Plugins add conditions with SegmentFilter through the register_segment_filters hook.
"""
from .compile import compile_filter
from .extension import SegmentFilter, plugin_filters
from .language import (ALL_OPS, ARITY, CONTACT_OPS, CORE_FIELDS, MAX_DEPTH, MAX_LIST, MAX_NODES, OPS_BY_KIND,
                       FieldSpec)
from .service import (SegmentInvalid, cached_count, check_name, delete_segment, dependents, expression_of,
                      filter_of, matching, member_ids, preview, refresh_count, save_segment)
from .validate import FilterInvalid, Problem, parse_filter, validate_filter
from .values import ValueProblem, check_value
from .vocabulary import Vocabulary, references_in

__all__ = [
    "ALL_OPS", "ARITY", "CONTACT_OPS", "CORE_FIELDS", "FieldSpec", "FilterInvalid", "MAX_DEPTH", "MAX_LIST",
    "MAX_NODES", "OPS_BY_KIND", "Problem", "SegmentFilter", "SegmentInvalid", "ValueProblem", "Vocabulary",
    "cached_count", "check_name", "check_value", "compile_filter", "delete_segment", "dependents", "expression_of",
    "filter_of", "matching", "member_ids", "parse_filter", "plugin_filters", "preview", "references_in",
    "refresh_count", "save_segment", "validate_filter",
]
