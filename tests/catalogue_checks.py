"""The checks every Chapar catalogue passes, the web UI's and each plugin's: its .pot matches the code, the Persian
entries are all translated, none fuzzy, each keeps its placeholders, and the compiled .mo the pages use is fresh.

A test module subclasses CatalogueChecks, names its catalogue, and adds the tests of its own pages as methods
(the class compiles the catalogue before any of them runs):

    class TestCatalogue(CatalogueChecks):
        translations = PLUGIN / "chapar_sms" / "translations"
        babel_cfg = PLUGIN / "babel.cfg"

        def test_the_gateway_pages_in_persian(self, sms_app, users, client_as):
            page = page_in_persian(users, client_as, "/sms/gateways/")
            ...
"""
import os
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parent.parent
# What a translation must keep as it is: Python's %(name)s (Babel's own check lets a translation drop one), the
# merge tags ({{ contact.first_name }}) and the HTTP gateway's {to}, {api_key} …, or the help names tags that do
# not exist.
PLACEHOLDER = re.compile(r"%\(\w+\)\w|\{\{.*?\}\}|\{\w+\}")


def read_catalogue(path):
    """The catalogue (.po or .pot) at `path`."""
    with open(path, "rb") as handle:
        return read_po(handle)


def message_ids(catalog):
    """{(msgid, context)} of a catalogue; a plural's first form stands for it."""
    return {(message.id if isinstance(message.id, str) else message.id[0], message.context)
            for message in catalog if message.id}


def _strings(text):
    return text if isinstance(text, tuple) else (text,)


def compile_if_stale(po):
    """Compile `po` to its .mo when that is missing or older, as scripts/install does. Written aside and then
    renamed, so a test run beside this one never reads half a file."""
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    fresh = mo.with_name(f"{mo.name}.{os.getpid()}")
    with open(fresh, "wb") as handle:
        write_mo(handle, read_catalogue(po))
    os.replace(fresh, mo)


def page_in_persian(users, client_as, url, role="admin"):
    """The page at `url` as `role` sees it after choosing Persian; it must be laid out right to left."""
    users[role].locale = "fa"
    users[role].save()
    page = client_as(role).get(url).get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page, f"{url} is not a right-to-left Persian page"
    return page


class CatalogueChecks:
    """Base of a catalogue's test class: set `translations` (the folder holding messages.pot) and `babel_cfg`
    (its extraction rules; the code is extracted from the folder holding it)."""

    translations: Path
    babel_cfg: Path
    locales = ("fa",)  # the catalogues compiled before the class's tests

    @classmethod
    def po_path(cls, locale="fa"):
        return cls.translations / locale / "LC_MESSAGES" / "messages.po"

    @property
    def update_hint(self):
        return f"update the catalogue as {self.babel_cfg.relative_to(REPO)} describes"

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def compiled_catalogues(cls):
        for locale in cls.locales:
            compile_if_stale(cls.po_path(locale))

    def test_the_template_matches_the_code(self, tmp_path):
        fresh = tmp_path / "messages.pot"
        CommandLineInterface().run(["pybabel", "--quiet", "extract", "-F", str(self.babel_cfg), "-o", str(fresh),
                                    str(self.babel_cfg.parent)])
        committed = message_ids(read_catalogue(self.translations / "messages.pot"))
        extracted = message_ids(read_catalogue(fresh))
        new, gone = sorted(extracted - committed), sorted(committed - extracted)
        assert extracted, "nothing extracted: are babel.cfg's paths right?"
        assert not new, f"messages.pot lacks new text; {self.update_hint}: {new}"
        assert not gone, f"messages.pot has text no longer used; {self.update_hint}: {gone}"

    def test_every_message_has_a_persian_translation(self):
        persian = read_catalogue(self.po_path("fa"))
        missing = []
        for message in read_catalogue(self.translations / "messages.pot"):
            if not message.id:
                continue
            found = persian.get(message.id, message.context)
            if found is None or found.fuzzy or not all(text.strip() for text in _strings(found.string)):
                missing.append(message.id)
        assert not missing, f"untranslated or fuzzy in fa/messages.po: {missing}"

    def test_persian_translations_keep_their_placeholders(self):
        persian = read_catalogue(self.po_path("fa"))
        problems = [(message.id, [str(error) for error in errors]) for message, errors in persian.check()]
        assert not problems
        lost = [message.id for message in persian if message.id and any(
            set(PLACEHOLDER.findall(" ".join(_strings(message.id)))) != set(PLACEHOLDER.findall(text))
            for text in _strings(message.string))]
        assert not lost, f"translations that drop or change a placeholder: {lost}"
