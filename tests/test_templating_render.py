"""Merge tags render what a marketer expects: Persian text, defaults, empty unknown tags, HTML escaping."""
from types import SimpleNamespace

import pytest

from chapar.templating import TemplateError, compile_template, contact_context, render


def _contact(**values):
    base = dict(first_name="", last_name="", email=None, mobile=None, fax=None, company="", job_title="",
                city="", region="", postal_code="", country="", language="", address_line1="", address_line2="")
    return SimpleNamespace(**{**base, **values})


def test_persian_text_and_values_render():
    contact = contact_context(_contact(first_name="علی", last_name="رضایی", city="تهران"))
    out = render("سلام {{ contact.first_name }} {{ contact.last_name }} از {{ contact.city }}!", {"contact": contact})
    assert out == "سلام علی رضایی از تهران!"


def test_full_name_is_built_when_the_object_has_none():
    contact = contact_context(_contact(first_name="علی", last_name="رضایی"))
    assert render("{{ contact.full_name }}", {"contact": contact}) == "علی رضایی"


@pytest.mark.parametrize("first_name", ["", None, "   "])
def test_plain_default_replaces_an_empty_first_name(first_name):
    contact = contact_context(_contact(first_name=first_name))
    assert render('{{ contact.first_name|default("مشتری گرامی") }}', {"contact": contact}) == "مشتری گرامی"
    assert render('{{ contact.first_name|default("مشتری گرامی", true) }}', {"contact": contact}) == "مشتری گرامی"


def test_default_keeps_a_real_value():
    contact = contact_context(_contact(first_name="مریم"))
    assert render('{{ contact.first_name|default("مشتری گرامی") }}', {"contact": contact}) == "مریم"


def test_undefined_tags_render_empty():
    contact = contact_context(_contact(first_name="Ali"))
    source = "[{{ nobody }}][{{ contact.nickname }}][{{ contact.fields.vip_level }}][{{ a.b.c }}][{{ contact['x'] }}]"
    assert render(source, {"contact": contact}) == "[][][][][]"


def test_custom_fields_render_and_empty_ones_take_the_default():
    contact = contact_context(_contact(), {"vip_level": "طلایی", "points": 0, "note": ""})
    source = '{{ contact.fields.vip_level }}|{{ contact.fields.points }}|{{ contact.fields.note|default("-") }}'
    assert render(source, {"contact": contact}) == "طلایی|0|-"


def test_dict_keys_win_over_dict_methods():
    links = {"items": "https://x.test/items", "unsubscribe": "https://x.test/u"}
    assert render("{{ links.items }} {{ links.unsubscribe }} {{ links.keys }}", {"links": links}) == \
        "https://x.test/items https://x.test/u "


def test_conditions_loops_and_filters_that_merge_tags_use():
    contact = contact_context(_contact(first_name="sara", city="Shiraz"))
    source = ("{% if contact.city %}{{ contact.first_name|title }} in {{ contact.city|upper }}{% endif %}"
              "{% for i in range(3) %}{{ loop.index }}{{ loop.cycle('a', 'b') }}{% endfor %}"
              "{% set total = 2 * 21 %} {{ total }} {{ '%05.1f'|format(3.14159) }} {{ ['x', 'y']|join('-') }}")
    assert render(source, {"contact": contact}) == "Sara in SHIRAZ1a2b3a 42 003.1 x-y"


def test_trailing_newline_is_kept():
    assert render("Hi\n", {}) == "Hi\n"


def test_html_autoescape_escapes_values_but_keeps_template_markup():
    contact = contact_context(_contact(first_name="<script>alert(1)</script>"))
    out = render('<p class="hi">Hi {{ contact.first_name }}</p>', {"contact": contact}, autoescape=True)
    assert out == '<p class="hi">Hi &lt;script&gt;alert(1)&lt;/script&gt;</p>'


def test_text_rendering_does_not_escape():
    assert render("{{ x }}", {"x": "<b>&</b>"}) == "<b>&</b>"


def test_autoescape_cannot_be_switched_off_or_bypassed():
    with pytest.raises(TemplateError):
        render("{% autoescape false %}{{ x }}{% endautoescape %}", {"x": "<b>"}, autoescape=True)
    with pytest.raises(TemplateError):
        render("{{ x|safe }}", {"x": "<b>"}, autoescape=True)


def test_compiled_templates_are_cached_by_source():
    source = "cached {{ contact.first_name }}"
    assert compile_template(source, False) is compile_template(source, False)
    assert compile_template(source, False) is not compile_template(source, True)


def test_runtime_errors_carry_the_template_line():
    with pytest.raises(TemplateError) as caught:
        render("one\ntwo\n{{ 1 / 0 }}", {})
    assert caught.value.line == 3
    assert "division by zero" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_syntax_errors_carry_the_line():
    with pytest.raises(TemplateError) as caught:
        render("one\n{% if %}\n", {})
    assert caught.value.line == 2
