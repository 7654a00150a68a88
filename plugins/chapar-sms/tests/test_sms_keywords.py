"""A received SMS that is only a keyword acts, however it is typed; a sentence containing one does not."""
import pytest
from chapar_sms.keywords import match, normalize
from chapar_sms.settings import DEFAULT_HELP, DEFAULT_OPT_IN, DEFAULT_OPT_OUT, keyword_list

LISTS = {"opt_out": keyword_list(DEFAULT_OPT_OUT), "opt_in": keyword_list(DEFAULT_OPT_IN),
         "help": keyword_list(DEFAULT_HELP)}


@pytest.mark.parametrize("text", ["STOP", "stop", " stop! ", "Stop.", "STOP\n", "Unsubscribe", "stop all",
                                  "STOPALL", "quit?", "لغو", "لغو.", " لغو ", "«لغو»", "لغو؟", "لغـــو", "لغو\u200c",
                                  "\u200fلغو\u200f", "ﻟﻐﻮ", "توقف", "تَوَقُّف", "توقف!!", "ＳＴＯＰ", "Stop 🙏"])
def test_opt_out_keywords_in_any_spelling(text):
    assert match(text, LISTS) == "opt_out"


@pytest.mark.parametrize("text", ["please don't stop", "stop it now", "STOP STOP", "stop 2", "لغو کنید", "نه لغو",
                                  "stopp",
                                  "", "   ", "!!!", "S.T.O.P", "I want to unsubscribe"])
def test_messages_that_only_contain_a_keyword_do_nothing(text):
    assert match(text, LISTS) == ""


def test_opt_in_and_help():
    assert match("start", LISTS) == "opt_in"
    assert match(" شروع ", LISTS) == "opt_in"
    assert match("Help?", LISTS) == "help"
    assert match("راهنما", LISTS) == "help"


def test_arabic_letters_match_persian_keywords_and_back():
    lists = {"opt_out": ["کنسل", "ثبت نام ۱"], "help": ["يك"]}
    assert match("كنسل", lists) == "opt_out"  # Arabic kaf
    assert match("ثبت  نام 1", lists) == "opt_out"  # spacing and Persian digit against an ASCII one
    assert match("ثبت‌نام ١", lists) == match("ثبتنام1", lists) == "opt_out"  # ZWNJ, space or neither
    assert match("یک", lists) == "help"  # the keyword was written with Arabic yeh and kaf
    assert match("یـک!", lists) == "help"


def test_the_first_list_wins_when_a_word_is_in_two():
    assert match("stop", {"opt_out": ["STOP"], "opt_in": ["stop"]}) == "opt_out"
    assert match("stop", {"opt_out": [], "help": None}) == ""


def test_normal_form():
    assert normalize("  HeLLo   World!  ") == "hello world"
    assert normalize("مي‌خواهم") == "میخواهم"
    assert normalize("۱۲۳ ٤٥٦") == "123 456"
    assert normalize("إلغاء") == "الغاء"
