"""The plugin's own Persian catalogue: kept in step with its code and templates, complete, and used
by its pages (the core merges each plugin's translations folder into Flask-Babel)."""
from pathlib import Path

from catalogue_checks import CatalogueChecks, page_in_persian
from chapar.models import Contact
from chapar_email.tokens import sign
from email_support import email_app, email_plugin  # noqa: F401 - fixtures

PLUGIN = Path(__file__).resolve().parent.parent


class TestCatalogue(CatalogueChecks):
    translations = PLUGIN / "chapar_email" / "translations"
    babel_cfg = PLUGIN / "babel.cfg"

    def test_the_identities_page_in_persian(self, email_app, users, client_as):
        page = page_in_persian(users, client_as, "/email/identities/")
        assert "فرستنده‌های ایمیل" in page  # "Email senders": the page title, from the plugin's catalogue
        assert "هویت فرستندهٔ تازه" in page  # "New sender identity"
        assert "New sender identity" not in page
        form = client_as("admin").get("/email/identities/new").get_data(as_text=True)
        assert "کلید خصوصی DKIM (PEM)" in form and "برگشتی‌ها و پاسخ‌ها (IMAPS)" in form
        # The form's error messages too, in the language of whoever submits it.
        refused = client_as("admin").post("/email/identities/new", {"name": "", "port": "99999", "security": "ssl3"})
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422
        assert "این فیلد لازم است." in page and "خارج از محدودهٔ مجاز." in page
        assert "یکی از گزینه‌ها را برگزینید." in page and "This field is required." not in page

    def test_the_unsubscribe_page_in_persian(self, email_app, client):
        contact = Contact.create(first_name="سارا", email="sara@example.test", consent_email="subscribed")
        token = sign("unsubscribe", 987654, contact.id)  # a message that no longer exists: the page still works
        page = client.get(f"/u/{token}", headers={"Accept-Language": "fa-IR,fa;q=0.9"}).get_data(as_text=True)
        assert 'dir="rtl"' in page
        assert "لغو اشتراک از همه ایمیل‌ها" in page  # the "Unsubscribe from all emails" button
        assert "Unsubscribe from all emails" not in page
