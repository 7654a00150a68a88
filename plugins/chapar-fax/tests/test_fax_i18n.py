"""The plugin's own Persian catalogue: kept in step with its code and templates, complete, and used
by its pages and by the faxes themselves (the header of a Persian fax is Persian)."""
from pathlib import Path

import pytest
from catalogue_checks import CatalogueChecks, compile_if_stale, page_in_persian
from fax_support import pdf_text

PLUGIN = Path(__file__).resolve().parent.parent


class TestCatalogue(CatalogueChecks):
    translations = PLUGIN / "chapar_fax" / "translations"
    babel_cfg = PLUGIN / "babel.cfg"

    def test_the_line_pages_in_persian(self, fax_app, users, client_as):
        page = page_in_persian(users, client_as, "/fax/lines/")
        assert "هنوز خط فکسی ندارید" in page and "No fax line yet" not in page

    def test_a_line_form_in_persian(self, folder_line, users, client_as):
        page = page_in_persian(users, client_as, f"/fax/lines/{folder_line.id}")
        assert "نشانی‌های بازخورد" in page and "شمارهٔ فکس ما" in page and "Our fax number" not in page

    def test_a_persian_fax_has_a_persian_header(self, fax_app, tmp_path):
        from chapar_fax.document import render_fax

        target = tmp_path / "fax.pdf"
        render_fax({"body": "<p>سلام، فهرست قیمت‌ها پیوست است.</p>"}, "+982188776655", "+982188000000", target,
                   language="fa")
        text = pdf_text(target)[0]
        # (pypdf reads "صفحهٔ" as two pieces; /tmp's PNG shows it whole, at the top left.)
        assert "تاریخ" in text and "982188776655" in text and "Page 1 of 1" not in text and "To:" not in text


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """The Persian catalogue compiled before any page is asked for."""
    compile_if_stale(TestCatalogue.po_path())
