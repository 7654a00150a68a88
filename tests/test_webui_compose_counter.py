"""The composer's live counter: for a channel that prices by content, each variant's units as
typed, with the cost per recipient and the total for the last audience count."""
import re

from sending_support import fixture_channel_on  # noqa: F401 - fixture


def text_of(response):
    return response.get_data(as_text=True)


def form(body, **extra):
    return {"name": "Note", "channel": "fixture", "variant": [""], "c..subject": "Hi", "c..body": body, **extra}


def counter(page):
    found = re.findall(r'<div class="composer-counter"[^>]*>(.*?)\n  </div>', page, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", block) for block in found]


def test_the_counter_follows_the_text_and_prices_it(client_as, fixture_channel_on):
    marketer = client_as("marketer")
    short = counter(text_of(marketer.post("/compose/check", form("Hello {{ contact.first_name }}",
                                                                 cost_per_unit="0.25", audience_recipients="400",
                                                                 audience_currency="EUR"))))
    assert len(short) == 1
    assert re.search(r"Units per recipient\s+1\s+× message", short[0])
    assert re.search(r"Cost per recipient\s+0.25 EUR", short[0])
    assert re.search(r"Total for the audience\s+100 EUR", short[0])
    long_page = text_of(marketer.post("/compose/check", form("x" * 2500, cost_per_unit="0.25",
                                                            audience_recipients="400", audience_currency="EUR")))
    assert re.search(r"Units per recipient\s+3\s+× message", counter(long_page)[0])
    assert re.search(r"Total for the audience\s+300 EUR", counter(long_page)[0])
    assert "long message" in long_page  # the channel's warning


def test_without_a_count_or_a_price_only_the_units_are_shown(client_as, fixture_channel_on):
    page = text_of(client_as("marketer").post("/compose/check", form("Hello", cost_per_unit="not money")))
    shown = counter(page)
    assert shown and "Units per recipient" in shown[0]
    assert "Cost per recipient" not in shown[0] and "Total for the audience" not in shown[0]


def test_a_variant_with_a_broken_tag_is_left_out_and_the_problem_shown(client_as, fixture_channel_on):
    page = text_of(client_as("marketer").post("/compose/check", form("Hello {{ contact.first_name ")))
    assert counter(page) == []
    assert "problem" in page
