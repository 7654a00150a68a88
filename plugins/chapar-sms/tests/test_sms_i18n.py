"""The plugin's own Persian catalogue: kept in step with its code and templates, complete, and used
by its pages (the core merges each plugin's translations folder into Flask-Babel)."""
from pathlib import Path

import pytest
from catalogue_checks import CatalogueChecks, compile_if_stale, page_in_persian
from sms_support import make_gateway, sms_app, sms_plugin  # noqa: F401 - fixtures

PLUGIN = Path(__file__).resolve().parent.parent


class TestCatalogue(CatalogueChecks):
    translations = PLUGIN / "chapar_sms" / "translations"
    babel_cfg = PLUGIN / "babel.cfg"

    def test_the_gateway_pages_in_persian(self, sms_app, users, client_as):
        page = page_in_persian(users, client_as, "/sms/gateways/")
        assert "هنوز درگاه پیامکی ندارید" in page and "No SMS gateway yet" not in page
        # The providers' settings come from the same catalogue: Kannel's labels and help.
        browser = client_as("admin")
        form = browser.get("/sms/gateways/new?kind=kannel").get_data(as_text=True)
        assert "نشانی sendsms" in form and "ماسک گزارش تحویل" in form and "Delivery report mask" not in form
        gateway = make_gateway("kannel", {"sendsms_url": "http://127.0.0.1:9/cgi-bin/sendsms", "username": "u",
                                          "password": "p"})
        page = browser.get(f"/sms/gateways/{gateway.id}").get_data(as_text=True)
        assert "نشانی‌های بازخورد" in page and "گزارش‌های تحویل" in page  # "Callback addresses", "Delivery reports"


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """The Persian catalogue compiled: test_sms_gateways_ui imports this for its Persian page."""
    compile_if_stale(TestCatalogue.po_path())
