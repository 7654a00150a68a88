"""The plugin's own Persian catalogue: kept in step with its code and templates, complete, and used
by its pages (the core merges each plugin's translations folder into Flask-Babel)."""
import os
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sms_support import make_gateway, sms_app, sms_plugin  # noqa: F401 - fixtures

PLUGIN = Path(__file__).resolve().parent.parent
TRANSLATIONS = PLUGIN / "chapar_sms" / "translations"
POT = TRANSLATIONS / "messages.pot"
PERSIAN = TRANSLATIONS / "fa" / "LC_MESSAGES" / "messages.po"
UPDATE_HINT = "update the plugin's catalogue as plugins/chapar-sms/babel.cfg describes"


def catalogue(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def message_ids(catalog):
    return {(message.id if isinstance(message.id, str) else message.id[0], message.context)
            for message in catalog if message.id}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """Compile the .po if it is newer than its .mo, as scripts/install does, so pages here use it."""
    mo = PERSIAN.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PERSIAN.stat().st_mtime:
        fresh = mo.with_name(f"{mo.name}.{os.getpid()}")  # then renamed: a run beside this one never reads half
        with open(fresh, "wb") as handle:
            write_mo(handle, catalogue(PERSIAN))
        os.replace(fresh, mo)


def test_the_template_matches_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "--quiet", "extract", "-F", str(PLUGIN / "babel.cfg"), "-o", str(fresh),
                                str(PLUGIN)])
    committed, extracted = message_ids(catalogue(POT)), message_ids(catalogue(fresh))
    new, gone = sorted(extracted - committed), sorted(committed - extracted)
    assert extracted, "nothing extracted: is babel.cfg's path right?"
    assert not new, f"messages.pot lacks new text; {UPDATE_HINT}: {new}"
    assert not gone, f"messages.pot has text no longer used; {UPDATE_HINT}: {gone}"


def test_every_message_has_a_persian_translation():
    persian = catalogue(PERSIAN)
    missing = []
    for message in catalogue(POT):
        if not message.id:
            continue
        found = persian.get(message.id, message.context)
        strings = (found.string if isinstance(found.string, tuple) else (found.string,)) if found else ()
        if found is None or found.fuzzy or not strings or not all(s.strip() for s in strings):
            missing.append(message.id)
    assert not missing, f"untranslated or fuzzy in fa/messages.po: {missing}"


def test_persian_translations_keep_their_placeholders():
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalogue(PERSIAN).check()]
    assert not problems
    # {to}, {api_key} … are the HTTP gateway's placeholders, not Python's: a translation must keep
    # each of them too, or the help would name placeholders that do not exist.
    braces = re.compile(r"\{\w+\}")
    lost = [m.id for m in catalogue(PERSIAN) if m.id and set(braces.findall(m.id)) != set(braces.findall(m.string))]
    assert not lost


def test_the_gateway_pages_in_persian(sms_app, users, client_as):
    users["admin"].locale = "fa"
    users["admin"].save()
    browser = client_as("admin")
    page = browser.get("/sms/gateways/").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page
    assert "هنوز درگاه پیامکی ندارید" in page and "No SMS gateway yet" not in page
    # The providers' settings come from the same catalogue: Kannel's labels and help.
    form = browser.get("/sms/gateways/new?kind=kannel").get_data(as_text=True)
    assert "نشانی sendsms" in form and "ماسک گزارش تحویل" in form and "Delivery report mask" not in form
    gateway = make_gateway("kannel", {"sendsms_url": "http://127.0.0.1:9/cgi-bin/sendsms", "username": "u",
                                      "password": "p"})
    page = browser.get(f"/sms/gateways/{gateway.id}").get_data(as_text=True)
    assert "نشانی‌های بازخورد" in page and "گزارش‌های تحویل" in page  # "Callback addresses", "Delivery reports"
