"""What the filter builder offers: every field, tag, segment and plugin filter as a "subject" with
its translated label, operators and value widget, and the validator's messages in the reader's
language. The language itself (chapar.segments) stays free of presentation.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from chapar.models import Segment, User
from chapar.segments import ARITY, CORE_FIELDS

FIELD_LABELS = {
    "first_name": _l("First name"), "last_name": _l("Last name"), "email": _l("Email"), "mobile": _l("Mobile"),
    "fax": _l("Fax"), "company": _l("Company"), "job_title": _l("Job title"), "language": _l("Language"),
    "time_zone": _l("Time zone"), "address_line1": _l("Address line 1"), "address_line2": _l("Address line 2"),
    "city": _l("City"), "region": _l("Region"), "postal_code": _l("Postal code"), "country": _l("Country"),
    "source": _l("Source"), "utm_source": _l("UTM source"), "utm_medium": _l("UTM medium"),
    "utm_campaign": _l("UTM campaign"), "utm_term": _l("UTM term"), "utm_content": _l("UTM content"),
    "owner": _l("Owner"), "do_not_contact": _l("Do not contact"), "created_at": _l("Created"),
    "updated_at": _l("Updated"), "consent.email": _l("Email consent"), "consent.sms": _l("SMS consent"),
    "consent.fax": _l("Fax consent"), "consent.print": _l("Print consent"),
}
GROUPS = (
    (_l("Contact"), ("first_name", "last_name", "email", "mobile", "fax", "company", "job_title", "language",
                     "time_zone", "owner", "created_at", "updated_at")),
    (_l("Address"), ("address_line1", "address_line2", "city", "region", "postal_code", "country")),
    (_l("Consent"), ("consent.email", "consent.sms", "consent.fax", "consent.print", "do_not_contact")),
    (_l("Origin"), ("source", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")),
)
CHOICE_LABELS = {
    "unknown": _l("unknown"), "subscribed": _l("subscribed"), "unsubscribed": _l("unsubscribed"),
    "bounced": _l("bounced"), "complained": _l("complained"), "manual": _l("manual"), "import": _l("import"),
    "web_form": _l("web form"), "api": _l("API"), "referral": _l("referral"), "event": _l("event"),
    "other": _l("other"),
}
OP_LABELS = {
    "eq": _l("is"), "ne": _l("is not"), "contains": _l("contains"), "starts_with": _l("starts with"),
    "in": _l("is one of"), "not_in": _l("is none of"), "gt": _l("is more than"), "gte": _l("is at least"),
    "lt": _l("is less than"), "lte": _l("is at most"), "between": _l("is between"), "is_empty": _l("is empty"),
    "is_not_empty": _l("is not empty"), "within_days": _l("in the last … days"),
    "older_than_days": _l("more than … days ago"), "has_tag": _l("has the tag"),
    "lacks_tag": _l("does not have the tag"), "in_segment": _l("is in the segment"),
    "not_in_segment": _l("is not in the segment"),
}
DATE_OP_LABELS = {"eq": _l("is on"), "ne": _l("is not on"), "gt": _l("is after"), "gte": _l("is on or after"),
                  "lt": _l("is before"), "lte": _l("is on or before")}
BOOLEAN_CHOICES = (("true", _l("yes")), ("false", _l("no")))
MATCH_LABELS = {"all": _l("All of these"), "any": _l("Any of these"), "none": _l("None of these"),
                "notall": _l("Not all of these")}


@dataclass
class Subject:
    """One entry of the builder's first menu."""

    key: str
    label: str
    group: str
    kind: str  # how the value is entered: text, number, date, datetime, choice, boolean, reference, tag,
    #            segment, days, integer or none
    ops: tuple
    choices: tuple = ()  # (value, label)
    is_field: bool = True
    plugin: bool = False
    help: str = ""

    def op_for(self, op):
        """`op`, or this subject's first comparison when `op` is not one of its own (the subject
        has just changed under it): the builder shows that one selected, so the filter uses it."""
        return op if op in self.ops else self.ops[0]

    def arity(self, op):
        if self.plugin:
            return "none" if self.kind == "none" else "one"
        return ARITY.get(op, "one")

    def op_label(self, op):
        if self.kind in ("date", "datetime") and op in DATE_OP_LABELS:
            return DATE_OP_LABELS[op]
        return OP_LABELS.get(op, op)

    def input_kind(self, op):
        """The widget for one value: the subject's kind, except "days" for within/older than."""
        return "days" if op in ("within_days", "older_than_days") else self.kind


def subjects(vocabulary, segment_id=None):
    """{key: Subject} in menu order: core fields by group, custom fields, lists, plugin filters."""
    found = {}
    owners = None
    for group, names in GROUPS:
        for name in names:
            spec = CORE_FIELDS[name]
            choices = tuple((value, CHOICE_LABELS.get(value, value)) for value in spec.choices)
            if spec.kind == "boolean":
                choices = BOOLEAN_CHOICES
            if spec.kind == "reference":
                owners = owners or tuple((str(user.id), user.name or user.email)
                                         for user in User.select().order_by(User.name, User.email))
                choices = owners
            found[name] = Subject(name, FIELD_LABELS[name], group, spec.kind, spec.operators, choices)
    for spec in vocabulary.custom_fields().values():
        choices = BOOLEAN_CHOICES if spec.kind == "boolean" else tuple((c, c) for c in spec.choices)
        found[spec.name] = Subject(spec.name, spec.label, _("Custom fields"), spec.kind, spec.operators, choices)
    lists = _("Lists")
    found["tag"] = Subject("tag", _("Tag"), lists, "tag", ("has_tag", "lacks_tag"), is_field=False)
    others = Segment.select(Segment.id, Segment.name).order_by(Segment.name)
    found["segment"] = Subject("segment", _("Segment"), lists, "segment", ("in_segment", "not_in_segment"),
                               tuple((str(s.id), s.name) for s in others if s.id != segment_id), is_field=False)
    for name, item in sorted(vocabulary.plugin_filters().items()):
        found[f"op:{name}"] = Subject(f"op:{name}", str(item.label), _("More"), item.value_kind, (name,),
                                      tuple((str(v), str(label)) for v, label in item.choice_pairs),
                                      is_field=False, plugin=True, help=str(item.help or ""))
    return found


def grouped(found):
    """[(group label, [Subject])] for the menu's <optgroup>s."""
    groups = {}
    for subject in found.values():
        groups.setdefault(str(subject.group), []).append(subject)
    return list(groups.items())


_MESSAGES = {
    "empty_value": _l("Enter a value."),
    "expected_text": _l("Enter some text."),
    "text_too_long": _l("Use at most %(limit)s characters."),
    "nul_character": _l("Remove the invisible NUL character."),
    "unknown_choice": _l("Choose one of: %(choices)s."),
    "expected_number": _l("Enter a number."),
    "number_too_large": _l("This number is too large."),
    "expected_integer": _l("Enter a whole number."),
    "out_of_range": _l("Enter a whole number from %(low)s to %(high)s."),
    "expected_date": _l("Enter a date as YYYY-MM-DD."),
    "expected_boolean": _l("Choose yes or no."),
    "expected_pair": _l("Enter both values."),
    "list_size": _l("Enter between 1 and %(limit)s values, one per line."),
    "reversed_range": _l("The first value must not be greater than the second."),
    "self_reference": _l("A segment cannot include itself."),
    "unknown_segment": _l("That segment no longer exists."),
    "invalid_segment": _l("The included segment %(segment)s needs fixing first."),
    "circular_reference": _l("These segments would include each other: %(chain)s."),
    "references_too_deep": _l("Segments include each other too deeply (at most %(limit)s levels)."),
    "too_many_nodes": _l("This filter is too large: at most %(limit)s conditions and groups."),
    "too_deep": _l("Groups are nested too deeply: at most %(limit)s levels."),
    "unknown_field": _l("This field no longer exists: %(field)s."),
    "operator_not_allowed": _l("Choose a comparison that suits this field."),
    "unknown_operator": _l("Choose a comparison."),
}


def problem_message(problem):
    """A validator Problem in the reader's language (its English text when there is no translation)."""
    template = _MESSAGES.get(problem.code)
    if template is None:
        return problem.message
    try:
        return str(template) % problem.params
    except (KeyError, TypeError, ValueError):
        return problem.message


def describe(row, catalogue):
    """(what, comparison, value) in words for a condition row, for the segment's page."""
    subject = catalogue.get(row["subject"])
    if subject is None:  # a custom field deleted since: show what was stored
        return row["subject"], row["op"], row["value"]
    labels = dict(subject.choices)

    def shown(value):
        return str(labels.get(value, value))

    arity = subject.arity(row["op"])
    if arity == "none":
        value = ""
    elif arity == "list":
        # Translators: between the values of a list, e.g. "Tehran, Shiraz"
        value = _(", ").join(shown(item) for item in row["values"])
    elif arity == "pair":
        value = _("%(low)s and %(high)s", low=shown(row["value"]), high=shown(row["value2"]))
    else:
        value = shown(row["value"])
    if not subject.is_field and not subject.plugin:  # "Contact has the tag", not "Tag has the tag"
        return _("Contact"), subject.op_label(row["op"]), value
    return subject.label, "" if subject.plugin else subject.op_label(row["op"]), value
