"""Translations: complete Persian and English catalogues, kept in step with the code, and RTL pages."""
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parent.parent
TRANSLATIONS = REPO / "webui" / "translations"
POT = TRANSLATIONS / "messages.pot"
UPDATE_HINT = "update the catalogues as babel.cfg describes"


def catalogue(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def po_path(locale):
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def message_ids(catalog):
    return {(message.id if isinstance(message.id, str) else message.id[0], message.context)
            for message in catalog if message.id}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """Compile any .po newer than its .mo, as the install step does, so pages here use them."""
    for locale in ("en", "fa"):
        po = po_path(locale)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with open(mo, "wb") as handle:
                write_mo(handle, catalogue(po))


def test_the_template_matches_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "--quiet", "extract", "-F", str(REPO / "babel.cfg"), "-o", str(fresh),
                                str(REPO)])
    committed, extracted = message_ids(catalogue(POT)), message_ids(catalogue(fresh))
    new, gone = sorted(extracted - committed), sorted(committed - extracted)
    assert not new, f"messages.pot lacks new text; {UPDATE_HINT}: {new}"
    assert not gone, f"messages.pot has text no longer used; {UPDATE_HINT}: {gone}"


def test_every_message_has_a_persian_translation():
    persian = catalogue(po_path("fa"))
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
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalogue(po_path("fa")).check()]
    assert not problems


def test_the_english_catalogue_has_every_message():
    missing = message_ids(catalogue(POT)) - message_ids(catalogue(po_path("en")))
    assert not missing, f"missing from en/messages.po; {UPDATE_HINT}: {sorted(missing)}"


def test_a_persian_page_is_right_to_left_with_jalali_dates(app, users, client_as):
    import jdatetime

    from chapar.i18n import persian_digits
    from chapar.models import utcnow

    users["viewer"].locale = "fa"
    users["viewer"].save()
    page = client_as("viewer").get("/").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page
    assert "<title>پیشخوان · چاپار</title>" in page
    assert "خروج" in page  # "Sign out"
    today = jdatetime.date.fromgregorian(date=utcnow().date())
    assert persian_digits(today.strftime("%Y/%m/%d")) in page


def test_a_visitor_sees_the_sign_in_page_in_their_browsers_language(client):
    page = client.get("/login", headers={"Accept-Language": "fa-IR,fa;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert 'dir="rtl"' in page and "ورود" in page


def test_the_stylesheets_mirror_for_right_to_left():
    """Only logical properties, so dir="rtl" mirrors every page; Persian gets Vazirmatn."""
    physical = re.compile(r"(margin|padding|border)-(left|right)|(?<![-\w])(left|right)\s*:|"
                          r"text-align:\s*(left|right)|float:\s*(left|right)")
    css = {path.name: path.read_text() for path in (REPO / "webui" / "static" / "css").glob("*.css")}
    assert css
    for name, text in css.items():
        assert not physical.findall(text), f"{name} uses physical left/right properties"
    assert re.search(r'html\[lang="fa"\][^{]*\{[^}]*Vazirmatn', "".join(css.values()))
