"""register_segment_filters: a plugin's SegmentFilter becomes an operator of the filter language,
checked, compiled and offered by the builder like the built-in ones."""
import pytest
from fixture_plugin.testing import plugins  # noqa: F401 - a fixture

from chapar import SegmentFilter, hookimpl
from chapar.models import Contact
from chapar.segments import FilterInvalid, matching, save_segment, validate_filter

PARITY = "fixture.id_parity"


@pytest.fixture
def fixture(plugins, database_url):  # noqa: F811 - registered before the app is built
    return plugins.fixture()


@pytest.fixture
def contacts(app):
    return [Contact.create(first_name=f"C{n}").id for n in range(6)]


@pytest.mark.hook("register_segment_filters")
def test_a_plugin_filter_selects_contacts(fixture, contacts):
    odd = [i for i in contacts if i % 2]
    assert [c.id for c in matching({"op": PARITY, "value": "odd"})] == odd
    assert [c.id for c in matching({"not": {"op": PARITY, "value": "odd"}})] == [i for i in contacts if i not in odd]
    segment = save_segment("Odd ones", {"all": [{"op": PARITY, "value": "odd"}]})
    assert segment.cached_count == len(odd)
    assert fixture.calls_of("register_segment_filters")


@pytest.mark.hook("register_segment_filters")
def test_a_plugin_filter_value_is_checked(fixture, app):
    with pytest.raises(FilterInvalid) as caught:
        validate_filter({"any": [{"op": PARITY, "value": "prime"}]})
    assert str(caught.value) == "any[0].value: 'prime' is not one of odd, even"
    with pytest.raises(FilterInvalid):
        validate_filter({"op": PARITY, "field": "city", "value": "odd"})


@pytest.mark.hook("register_segment_filters")
def test_the_builder_offers_plugin_filters(fixture, client_as, contacts):
    page = client_as("marketer").get("/segments/new").get_data(as_text=True)
    assert "Fixture: contact number is" in page


class Validating:
    """A plugin whose filter validates its value itself and asks only for what it needs."""

    @hookimpl
    def register_segment_filters(self):
        def recent_id(value, contact_id):
            return contact_id >= value

        def at_least_two(value):
            if value < 2:
                raise ValueError("pick 2 or more")
            return value

        return [SegmentFilter("test.id_at_least", "Id at least", recent_id, value_kind="integer",
                              validate=at_least_two)]


class Broken:
    @hookimpl
    def register_segment_filters(self):
        return ["not a filter"]


def test_validate_and_broken_plugins(plugins, app, contacts):  # noqa: F811
    plugins.register(Validating(), name="validating")
    plugins.register(Broken(), name="broken")
    assert [c.id for c in matching({"op": "test.id_at_least", "value": contacts[-2]})] == contacts[-2:]
    with pytest.raises(FilterInvalid) as caught:
        validate_filter({"all": [{"op": "test.id_at_least", "value": 1}]})
    assert str(caught.value) == "all[0].value: pick 2 or more"
    assert plugins.state("broken").state == "broken"
    assert "SegmentFilter" in plugins.state("broken").error
    assert plugins.state("validating").state == "active"


@pytest.mark.parametrize("arguments, message", [
    (("has_tag", "x", lambda value: None), "no built-in operator"),
    (("Bad Name", "x", lambda value: None), "use 2-64"),
    (("ok.name", "x", lambda value, table: None), "unknown arguments ['table']"),
    (("ok.name", "x", "not callable"), "must be callable"),
    (("ok.name", "x", lambda value: None, "colour"), "value_kind must be one of"),
])
def test_segment_filter_refuses_mistakes_early(arguments, message):
    with pytest.raises(ValueError) as caught:
        SegmentFilter(*arguments)
    assert message in str(caught.value)
