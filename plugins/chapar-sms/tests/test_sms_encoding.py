"""Segment counting against known examples: what the composer shows and the program's cost uses."""
import pytest
from chapar_sms.encoding import GSM_BASIC, GSM_EXTENSION, count, split
from sms_support import sms_app, sms_plugin  # noqa: F401

PERSIAN = "سلام"  # four UCS-2 letters


def units(text):
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def septets(text):
    return sum(2 if c in GSM_EXTENSION else 1 for c in text)


@pytest.mark.parametrize("length, segments", [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)])
def test_english_is_gsm_with_160_then_153_a_segment(length, segments):
    counted = count(("Spring sale! " * 40)[:length])
    assert (counted.characters, counted.encoding, counted.segments, counted.forced_by) == (length, "gsm7", segments, ())


@pytest.mark.parametrize("length, segments", [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_persian_is_ucs2_with_70_then_67_a_segment_and_no_warning(length, segments):
    counted = count(((PERSIAN + " ") * 60)[:length])
    assert (counted.characters, counted.encoding, counted.segments, counted.forced_by) == (length, "ucs2", segments, ())


def test_the_extension_table_takes_two_septets_and_is_never_cut():
    assert count("€" * 80) == count("{" * 80)
    assert (count("€" * 80).encoding, count("€" * 80).segments) == ("gsm7", 1)  # 160 septets
    assert count("€" * 80 + "a").segments == 2
    text = "a" * 152 + "€" + "b" * 10  # the euro would straddle the first part's end
    parts = split(text)
    assert parts == ["a" * 152, "€" + "b" * 10]
    assert all(septets(p) <= 153 for p in parts)
    assert count("^{}\\[~]|€\f").encoding == "gsm7"
    assert count("a" * 150 + "[]").segments == 1 and count("a" * 157 + "[]").segments == 2


def test_one_character_outside_gsm_forces_ucs2_and_is_named():
    text = "Merci, le garçon arrive bientôt"  # ç is not GSM (Ç is), ô neither
    counted = count(text)
    assert counted.encoding == "ucs2" and counted.forced_by == ("ç", "ô")
    assert count("Ça va? Très bien, à bientôt!".replace("ô", "o")).encoding == "gsm7"  # Ç, è, à are GSM
    assert count("a" * 70 + "“").segments == 2  # a curly quote turns 71 characters into two segments
    assert count("a" * 70 + "“").forced_by == ("“",)


def test_emoji_take_two_units_and_are_never_split():
    assert count("😀" * 35).segments == 1 and count("😀" * 36).segments == 2
    text = "سلام 😀 " * 20  # Persian with emoji
    counted = count(text)
    parts = split(text)
    assert counted.encoding == "ucs2" and counted.forced_by == () and counted.segments == len(parts) == 3
    assert "".join(parts) == text and all(units(p) <= 67 for p in parts)
    odd = "a" * 66 + "😀" + "b" * 5  # 73 units; the emoji would straddle the first part's end
    assert split(odd) == ["a" * 66, "😀bbbbb"]


def test_an_english_text_with_one_emoji_warns_about_it():
    counted = count("Spring sale starts today 🎉")
    assert counted.encoding == "ucs2" and counted.forced_by == ("🎉",) and counted.characters == 26


def test_split_parts_rebuild_the_text_for_long_messages():
    text = ("Hello [friend], our €5 offer ends soon. " * 12)
    parts = split(text)
    assert "".join(parts) == text and len(parts) == count(text).segments
    assert all(septets(p) <= 153 for p in parts)
    assert split("short") == ["short"]


def test_the_gsm_table_is_the_standard_one():
    assert len(GSM_BASIC) == 127 and len(GSM_EXTENSION) == 10  # 128 codes less the escape
    assert "Ç" in GSM_BASIC and "ç" not in GSM_BASIC and "`" not in GSM_BASIC and "\\" not in GSM_BASIC


def test_empty_text_is_one_segment_of_nothing():
    assert count("") == count(None) == count("")
    assert (count("").characters, count("").segments, count("").encoding) == (0, 1, "gsm7")


def test_a_persian_message_over_ten_segments_is_refused_in_the_composer(sms_app, api_as):
    api = api_as("marketer")
    fits = "س" * 670  # 10 UCS-2 segments of 67
    assert api.post("/api/v1/content", json={"name": "Fits", "channel": "sms",
                                             "variants": {"": {"text": fits}}}).status_code == 201
    too_long = api.post("/api/v1/content", json={"name": "Long", "channel": "sms",
                                                 "variants": {"": {"text": fits + "س"}}})
    assert too_long.status_code == 422
    error = too_long.get_json()["error"]["details"]["fields"]["variants.default.text"][0]
    assert "11 segments" in error and "at most 10" in error
    english = "a" * 1530  # 10 GSM segments of 153: still fine
    assert api.post("/api/v1/content", json={"name": "English", "channel": "sms",
                                             "variants": {"": {"text": english}}}).status_code == 201
