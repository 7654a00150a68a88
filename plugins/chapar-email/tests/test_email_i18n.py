"""The plugin's own Persian catalogue: kept in step with its code and templates, complete, and used
by its pages (the core merges each plugin's translations folder into Flask-Babel)."""
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from chapar.models import Contact
from chapar_email.tokens import sign
from email_support import email_app, email_plugin  # noqa: F401 - fixtures

PLUGIN = Path(__file__).resolve().parent.parent
TRANSLATIONS = PLUGIN / "chapar_email" / "translations"
POT = TRANSLATIONS / "messages.pot"
PERSIAN = TRANSLATIONS / "fa" / "LC_MESSAGES" / "messages.po"
UPDATE_HINT = "update the plugin's catalogue as plugins/chapar-email/babel.cfg describes"


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
        with open(mo, "wb") as handle:
            write_mo(handle, catalogue(PERSIAN))


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


def test_the_identities_page_in_persian(email_app, users, client_as):
    users["admin"].locale = "fa"
    users["admin"].save()
    page = client_as("admin").get("/email/identities/").get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page
    assert "فرستنده‌های ایمیل" in page  # "Email senders": the page title, from the plugin's catalogue
    assert "هویت فرستندهٔ تازه" in page  # "New sender identity"
    assert "New sender identity" not in page
    form = client_as("admin").get("/email/identities/new").get_data(as_text=True)
    assert "کلید خصوصی DKIM (PEM)" in form and "برگشتی‌ها و پاسخ‌ها (IMAPS)" in form
    # The form's error messages too, in the language of whoever submits it.
    refused = client_as("admin").post("/email/identities/new", {"name": "", "port": "99999", "security": "ssl3"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "این فیلد لازم است." in page and "خارج از محدودهٔ مجاز." in page and "یکی از گزینه‌ها را برگزینید." in page
    assert "This field is required." not in page


def test_the_unsubscribe_page_in_persian(email_app, client):
    contact = Contact.create(first_name="سارا", email="sara@example.test", consent_email="subscribed")
    token = sign("unsubscribe", 987654, contact.id)  # a message that no longer exists: the page still works
    page = client.get(f"/u/{token}", headers={"Accept-Language": "fa-IR,fa;q=0.9"}).get_data(as_text=True)
    assert 'dir="rtl"' in page
    assert "لغو اشتراک از همه ایمیل‌ها" in page  # the "Unsubscribe from all emails" button
    assert "Unsubscribe from all emails" not in page
