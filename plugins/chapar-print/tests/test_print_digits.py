"""Persian digits and text direction, on their own: digits change in the text people read, never
in markup, CSS or web addresses."""
import datetime

from chapar_print.digits import persian_html
from chapar_print.letters import direction, letter_date


def test_digits_change_in_text_only():
    html = ('<style>p { margin: 12mm }</style><p class="c2" style="width: 50%">Order 1234 at '
            '<a href="https://shop.example/r/42">https://shop.example/r/42</a>, mail help1@shop.example, 3&#1605;</p>')
    out = persian_html(html)
    assert "<style>p { margin: 12mm }</style>" in out and 'class="c2" style="width: 50%"' in out
    assert "Order ۱۲۳۴ at" in out and 'href="https://shop.example/r/42">https://shop.example/r/42<' in out
    assert "help1@shop.example" in out and "&#1605;" in out


def test_direction_follows_the_choice_then_the_script_then_the_language():
    assert direction({"direction": "rtl", "body": "Hello"}, "en") == "rtl"
    assert direction({"body": "<p>سلام دوست عزیز</p>"}, "en") == "rtl"
    assert direction({"body": "<p>Hello dear friend</p>"}, "fa") == "ltr"
    assert direction({"body": "<p>1234</p>"}, "fa") == "rtl" and direction({"body": ""}, "de") == "ltr"


def test_the_date_is_jalali_in_persian_and_local_elsewhere():
    day = datetime.date(2026, 11, 25)
    assert letter_date("fa", day) == "1405/09/04"
    assert letter_date("en", day) == "November 25, 2026"
    assert letter_date("de", day) == "25. November 2026"
    assert letter_date("xx-nonsense", day) == "November 25, 2026"
