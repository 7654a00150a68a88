"""The plugin's own Persian catalogue: kept in step with its code and templates, complete, and used
by its pages (the core merges each plugin's translations folder into Flask-Babel)."""
from pathlib import Path

import pytest
from catalogue_checks import CatalogueChecks, compile_if_stale, page_in_persian
from chapar.programs import launch
from sms_support import add_mobiles, make_gateway, sms_app, sms_plugin, sms_program  # noqa: F401 - fixtures

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


def cards(browser, program):
    """A program's status card and estimate card, as one text."""
    progress = browser.get(f"/programs/{program.id}/progress")
    estimate = browser.get(f"/programs/{program.id}/estimate", headers={"HX-Request": "true"})
    return progress.get_data(as_text=True) + estimate.get_data(as_text=True)


def test_the_cost_unit_reads_in_the_users_language_and_stays_english_in_the_api(sms_app, users, client_as, api_as):
    gateway = make_gateway("kannel", {"sendsms_url": "http://127.0.0.1:9/cgi-bin/sendsms", "username": "u",
                                      "password": "p"})
    program = sms_program(users, gateway, add_mobiles(2))
    launch(program, actor=users["manager"])
    viewer = client_as("viewer")
    english = viewer.get(f"/programs/{program.id}").get_data(as_text=True) + cards(viewer, program)
    for text in ("Cost per SMS segment", "Units (SMS segment)", "(0 units of SMS segment)"):
        assert text in english, text
    persian = page_in_persian(users, client_as, f"/programs/{program.id}") + cards(client_as("admin"), program)
    for text in ("هزینهٔ هر بخش پیامک", "واحدها (بخش پیامک)", "(۰ واحد بخش پیامک)"):
        assert text in persian, text
    assert "SMS segment" not in persian
    # The API speaks the token owner's language (the label), but its unit stays the stable English word.
    api = api_as("admin")
    described = api.get("/api/v1/channels/sms").get_json()
    assert described["label"] == "پیامک" and described["cost_unit"] == "SMS segment"
    assert api.get(f"/api/v1/programs/{program.id}/estimate").get_json()["cost_unit"] == "SMS segment"


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """The Persian catalogue compiled: test_sms_gateways_ui imports this for its Persian page."""
    compile_if_stale(TestCatalogue.po_path())
