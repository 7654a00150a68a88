"""Translations: complete Persian and English catalogues, kept in step with the code, and RTL pages."""
import re
from pathlib import Path

import jdatetime
from catalogue_checks import (
    CatalogueChecks,
    message_ids,
    page_in_persian,
    read_catalogue,
)

REPO = Path(__file__).resolve().parent.parent


class TestCatalogue(CatalogueChecks):
    translations = REPO / "webui" / "translations"
    babel_cfg = REPO / "babel.cfg"
    locales = ("en", "fa")

    def test_the_english_catalogue_has_every_message(self):
        missing = message_ids(read_catalogue(self.translations / "messages.pot")) - message_ids(
            read_catalogue(self.po_path("en")))
        assert not missing, f"missing from en/messages.po; {self.update_hint}: {sorted(missing)}"

    def test_a_persian_page_is_right_to_left_with_jalali_dates(self, app, users, client_as):
        from chapar.i18n import persian_digits
        from chapar.models import utcnow

        page = page_in_persian(users, client_as, "/", role="viewer")
        assert "<title>پیشخوان · چاپار</title>" in page
        assert "خروج" in page  # "Sign out"
        today = jdatetime.date.fromgregorian(date=utcnow().date())
        assert persian_digits(today.strftime("%Y/%m/%d")) in page

    def test_a_visitor_sees_the_sign_in_page_in_their_browsers_language(self, client):
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
