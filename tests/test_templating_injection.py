"""Template injection and resource exhaustion: nothing leaks, nothing runs away."""
import os

import pytest
from flask import Flask

from chapar.templating import TemplateError, render
from chapar.templating.sandbox import MAX_OUTPUT

SECRET = "s3cr3t-not-for-templates"
LEAKS = ("SECRET_KEY", SECRET, "__class__", "<class", "environ", "function", "built-in", "method", "module")

INJECTIONS = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ config }}", "{{ config.items() }}", "{{ config.SECRET_KEY }}", "{{ self }}", "{{ self.__dict__ }}",
    "{{ request }}", "{{ request.application.__globals__ }}", "{{ lipsum }}", "{{ lipsum.__globals__ }}",
    "{{ lipsum.__globals__.os.environ }}", "{{ cycler.__init__.__globals__ }}", "{{ joiner }}",
    "{{ namespace }}", "{% set n = namespace() %}{{ n }}", "{{ dict }}", "{{ range }}", "{{ range.__self__ }}",
    "{{ range.__call__ }}", "{{ [range]|join }}", "{{ contact.__class__ }}", "{{ contact['__class__'] }}",
    "{{ contact.items }}", "{{ contact.items() }}", "{{ contact.fields.keys() }}", "{{ 'x'.upper }}",
    "{{ 'x'.upper() }}", "{{ '{0.__class__}'.format('') }}", "{{ 'x'|attr('__class__') }}",
    "{{ contact|map(attribute='__class__')|list }}", "{{ loop }}",
    "{% for x in range(2) %}{{ loop.cycle }}{{ loop.__class__ }}{% endfor %}",
    "{% macro m() %}{{ m.__globals__ }}{% endmacro %}{{ m() }}", "{% include 'x.html' %}",
    "{% extends 'base.html' %}", "{% import 'x' as y %}", "{% block b %}{{ self.b() }}{% endblock %}",
    "{{ x|pprint }}", "{{ contact|tojson }}",
]


@pytest.fixture(name="app_context")
def app_context_fixture(monkeypatch):
    """A live Flask request with a secret key and a secret in os.environ, as in a web worker."""
    monkeypatch.setenv("CHAPAR_TEST_SECRET", SECRET)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = SECRET
    with app.test_request_context("/"):
        yield


@pytest.mark.parametrize("source", INJECTIONS)
@pytest.mark.parametrize("autoescape", [False, True])
def test_injection_renders_harmlessly_or_is_refused(app_context, source, autoescape):
    assert os.environ["CHAPAR_TEST_SECRET"] == SECRET
    context = {"contact": {"first_name": "Ali", "fields": {}}}
    try:
        out = render(source, context, autoescape=autoescape)
    except TemplateError as error:
        # A refusal may name what it refused ('__class__'), never what that would have shown.
        assert not any(leak in str(error) for leak in (SECRET, "<class", "environ", "built-in", "function"))
        return
    for leak in LEAKS:
        assert leak not in out


@pytest.mark.parametrize("source", [
    "{{ 'a' * 10**9 }}", "{{ 10**9 * 'a' }}", "{{ [1] * 10**9 }}", "{{ 9**9**9 }}", "{{ 2 ** 100000 }}",
    "{{ 10**200 * 10**200 }}", "{{ range(10**6)|list }}", "{% for i in range(100000) %}{% endfor %}",
    "{{ '%999999999s' % 1 }}", "{{ '%*s' % (999999999, 1) }}", "{{ '%999999999s'|format(1) }}",
    "{{ 'a'|replace('a', 'b' * 100000)|replace('b', 'c' * 100000) }}",
    "{% set big = 'x' * 500000 %}{{ [big, big] * 1000 }}",
    "{% set big = ['x' * 500000] * 1000 %}{{ big|join }}",
    "{% set big = ['x' * 500000] * 1000 %}{{ big ~ '' }}",
    "{% set big = 'x' * 500000 %}{{ big|join(big) }}",
    "{% set a = 'x' * 400000 %}{% set b = a + a %}{{ b }}",
])
def test_oversized_work_is_refused(source):
    with pytest.raises(TemplateError):
        render(source, {})


def test_loops_may_nest_two_deep_but_not_three():
    two = "{% for a in range(2) %}{% for b in range(2) %}x{% endfor %}{% endfor %}"
    assert render(two, {}) == "xxxx"
    three = "{% for a in range(2) %}{% for b in range(2) %}{% for c in range(2) %}x{% endfor %}{% endfor %}{% endfor %}"
    with pytest.raises(TemplateError, match="nested"):
        render("line 1\n" + three, {})


def test_recursive_loops_are_refused():
    with pytest.raises(TemplateError, match="recursive"):
        render("{% for x in [[1], [2]] recursive %}{{ loop(x) }}{% endfor %}", {})


def test_output_is_capped():
    source = "{% for a in range(1000) %}{% for b in range(1000) %}xxxxxxxxxx{% endfor %}{% endfor %}"
    with pytest.raises(TemplateError, match="output"):
        render(source, {})
    assert len(render("{{ 'x' * 1000 }}", {})) == 1000
    assert MAX_OUTPUT >= 100_000


def test_long_silent_loops_hit_the_deadline():
    # Two loops over 500,000 characters each print nothing: only the deadline can stop them.
    source = "{% set s = 'x' * 500000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}"
    with pytest.raises(TemplateError, match="longer than"):
        render(source, {})


def test_a_render_that_only_waited_for_the_cpu_is_not_failed(monkeypatch):
    # A busy machine: ten seconds pass on the wall clock right after the render starts, while the
    # render itself uses almost no CPU. Only computing past the budget fails a template.
    import itertools
    import time

    wall = itertools.chain([0.0], itertools.repeat(10.0))
    monkeypatch.setattr(time, "monotonic", lambda: next(wall))
    source = "{% for i in range(200) %}{{ i|string|upper }}{% endfor %}"
    assert render(source, {}) == "".join(str(i) for i in range(200))


def test_work_captured_by_set_blocks_is_bounded_too():
    source = "{% set s = 'x' * 500000 %}{% set out %}{% for a in s %}{% for b in s %}{{ b }}{% endfor %}{% endfor %}{% endset %}"
    with pytest.raises(TemplateError):
        render(source, {})


def test_overlong_source_is_refused():
    with pytest.raises(TemplateError, match="longer than"):
        render("x" * (1024 * 1024), {})
