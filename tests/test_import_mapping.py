"""Guessing what each column holds from its header, in English and Persian, and checking a mapping."""
from types import SimpleNamespace

import pytest

from chapar.contacts.importer.targets import check_mapping, suggest_mapping

BIRTHDAY = SimpleNamespace(key="birthday", label="تاریخ تولد")
PLAN = SimpleNamespace(key="plan", label="Subscription plan")


@pytest.mark.parametrize("header, target", [
    ("نام", "first_name"), ("نام خانوادگی", "last_name"), ("نام‌خانوادگی", "last_name"), ("فامیلی", "last_name"),
    ("موبایل", "mobile"), ("تلفن همراه", "mobile"), ("شماره موبایل", "mobile"), ("ایمیل", "email"),
    ("پست الکترونیک", "email"), ("شرکت", "company"), ("شهر", "city"), ("استان", "region"), ("کد پستی", "postal_code"),
    ("نمابر", "fax"), ("برچسب‌ها", "tags"), ("نام و نام خانوادگی", "full_name"), ("سمت", "job_title"),
    ("First Name", "first_name"), ("last_name", "last_name"), ("E-mail Address", "email"), ("Mobile Phone", "mobile"),
    ("ZIP", "postal_code"), ("Company", "company"), ("Name", "full_name"), ("utm_source", "utm_source"),
    ("  EMAIL ", "email"), ("موبايل", "mobile"),  # Arabic ye, as Windows-1256 files spell it
])
def test_a_single_header_is_recognised(header, target):
    assert suggest_mapping([header]) == {0: target}


def test_a_persian_spreadsheet_is_mapped_whole():
    header = ["ردیف", "نام", "نام خانوادگی", "موبایل", "ایمیل", "شرکت", "شهر", "تاریخ تولد", "plan"]
    assert suggest_mapping(header, [BIRTHDAY, PLAN]) == {
        1: "first_name", 2: "last_name", 3: "mobile", 4: "email", 5: "company", 6: "city",
        7: "field:birthday", 8: "field:plan"}


def test_each_field_is_suggested_once_and_name_beside_last_name_means_first_name():
    assert suggest_mapping(["Email", "E-mail", "Name", "Surname"]) == {0: "email", 2: "first_name", 3: "last_name"}
    assert suggest_mapping(["Name", "Phone", "Notes"]) == {0: "full_name", 1: "mobile"}


def test_a_custom_field_wins_over_a_core_synonym_for_its_own_key():
    city = SimpleNamespace(key="city_code", label="City")
    assert suggest_mapping(["City"], [city]) == {0: "field:city_code"}


@pytest.mark.parametrize("mapping, key, problems", [
    ({0: "email", 1: "first_name"}, "email", []),
    ({0: "email", 1: "email"}, "email", [("duplicate_target", "email")]),
    ({0: "first_name"}, "mobile", [("key_not_mapped", "mobile")]),
    ({0: "email"}, "fax", [("unknown_key", "fax")]),
    ({0: "email", 1: "password"}, "email", [("unknown_target", "password")]),
    ({0: "email", 1: "field:plan"}, "email", []),
    ({0: "email", 1: "field:nope"}, "email", [("unknown_target", "field:nope")]),
    ({0: "email", 1: "full_name", 2: "last_name"}, "email", [("full_name_and_parts", "full_name")]),
])
def test_check_mapping(mapping, key, problems):
    assert check_mapping(mapping, key, ["plan"]) == problems
