"""The compose-time check: problems a marketer can fix, with the line they are on; it never crashes."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chapar.templating import CONTACT_FIELDS, Problem, TemplateError, check, known_names, render

KNOWN = known_names(["vip_level", "points"], links=["unsubscribe"])


def _codes(problems):
    return [(problem.line, problem.code) for problem in problems]


def test_a_clean_template_has_no_problems():
    source = ('سلام {{ contact.first_name|default("مشتری گرامی") }}\n{{ contact.fields.vip_level }}'
              '{{ contact["email"] }} {{ links.unsubscribe }} {{ program.name }} {{ campaign.name }}')
    assert check(source, KNOWN) == []


def test_syntax_error_is_reported_with_its_line():
    problems = check("Hi\n{{ contact.first_name }}\n{% if contact.city %}\nno endif", KNOWN)
    assert [problem.code for problem in problems] == ["syntax"]
    assert problems[0].line == 3 and "endif" in problems[0].message
    assert check("one\n\n{{ contact. }}\nfour", KNOWN) == [
        Problem(3, "expected name or number", "syntax")]


def test_unknown_variable_on_line_3_is_reported_as_line_3():
    problems = check("Hello\n\nDear {{ costumer.name }}", KNOWN)
    assert problems == [Problem(3, "unknown variable 'costumer'", "unknown_variable")]


def test_unknown_fields_are_reported_with_a_suggestion():
    problems = check("{{ contact.frist_name }}\n{{ contact.fields.unknown }}\n{{ contact['nickname'] }}", KNOWN)
    assert _codes(problems) == [(1, "unknown_field"), (2, "unknown_field"), (3, "unknown_field")]
    assert "did you mean 'first_name'" in problems[0].message
    assert "contact.fields.unknown" in problems[1].message


def test_nothing_is_known_below_a_leaf():
    assert _codes(check("{{ contact.first_name.upper() }}", KNOWN)) == [(1, "unknown_field")]


def test_names_the_template_assigns_are_not_unknown():
    source = ("{% set greeting = 'Hi' %}{{ greeting }}{% for item in [1, 2] %}{{ item }}{{ loop.index }}{% endfor %}"
              "{% with x = 1 %}{{ x }}{% endwith %}{% set block_text %}t{% endset %}{{ block_text }}"
              "{% for a, b in [(1, 2)] %}{{ a }}{{ b }}{% endfor %}{{ range(3)|join }}")
    assert check(source, KNOWN) == []


def test_loop_outside_a_loop_is_unknown():
    assert _codes(check("{{ loop.index }}", KNOWN)) == [(1, "unknown_variable")]


@pytest.mark.parametrize("spec", [
    {"fields": {"vip_level": None}},  # nested dicts
    ["first_name", {"fields": {"vip_level"}}],  # leaf names mixed with a nested dict
    None,  # anything goes
])
def test_field_specs_may_nest(spec):
    assert check("{{ contact.fields.vip_level }}", {"contact": spec}) == []
    nested_wrong = check("{{ contact.fields.nope }}", {"contact": spec})
    assert nested_wrong == [] if spec is None else _codes(nested_wrong) == [(1, "unknown_field")]


@pytest.mark.parametrize("source, line", [
    ("{{ ''.__class__ }}", 1), ("\n{{ contact['__dict__'] }}", 2), ("{{ self }}", 1),
    ("{% for a in x %}{% for b in x %}\n{% for c in x %}{% endfor %}{% endfor %}{% endfor %}", 2),
    ("{% macro m() %}{% endmacro %}", 1), ("\n\n{% include 'a' %}", 3), ("{% for x in y recursive %}{% endfor %}", 1),
])
def test_unsafe_constructs_are_reported(source, line):
    problems = [problem for problem in check(source, {"x": None, "y": None, "contact": None}) if problem.code == "unsafe"]
    assert [problem.line for problem in problems] == [line]


def test_unknown_filters_are_syntax_problems():
    assert check("{{ contact.first_name|shout }}", KNOWN) == [Problem(1, "unknown filter 'shout'", "syntax")]


def test_problems_are_sorted_and_deduplicated():
    problems = check("{{ b }}{{ b }}\n{{ a }}\n{{ b }}", KNOWN)
    assert _codes(problems) == [(1, "unknown_variable"), (2, "unknown_variable"), (3, "unknown_variable")]


def test_compile_time_errors_are_syntax_problems():
    assert _codes(check("{% for loop in [1] %}{% endfor %}", KNOWN)) == [(1, "syntax")]


def test_known_names_covers_every_contact_field():
    known = known_names(["vip_level"])
    assert set(CONTACT_FIELDS) | {"fields"} == set(known["contact"])
    assert set(known) == {"contact", "links", "program", "campaign"}


@pytest.mark.parametrize("source", ["", "{{", "{%", "{% for %}", "{{ ((((((((((((1 }}", "(" * 5000,
                                    "{{" + "(" * 5000 + "1" + ")" * 5000 + "}}", "\x00{{ \x00 }}", "x" * 600_000])
def test_awkward_input_never_raises(source):
    assert isinstance(check(source, KNOWN), list)


_TOKENS = list("{}%#()[]|.'\"_ ~*xyz-1\n") + ["{{", "}}", "{%", "%}", "contact.", "for ", " in ", "endfor",
                                                 "if ", "endif", "set ", "=", "range(", "loop"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join))
def test_check_never_raises_and_render_raises_only_template_errors(source):
    problems = check(source, KNOWN)
    assert all(isinstance(problem, Problem) for problem in problems)
    try:
        render(source, {"x": "1", "y": [1, 2], "z": {"a": 1}})
    except TemplateError:
        pass
