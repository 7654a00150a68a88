"""The plugin's own Persian catalogue: kept in step with its code and templates, complete, and used by its pages
and by the core's pages that show its settings (the core merges each plugin's translations folder)."""
from pathlib import Path

from catalogue_checks import CatalogueChecks, page_in_persian
from print_support import add_postal_contacts, print_program

PLUGIN = Path(__file__).resolve().parent.parent


class TestCatalogue(CatalogueChecks):
    translations = PLUGIN / "chapar_print" / "translations"
    babel_cfg = PLUGIN / "babel.cfg"

    def test_the_batch_pages_in_persian(self, print_app, users, client_as):
        page = page_in_persian(users, client_as, "/print/programs/", role="marketer")
        assert "<title>دسته‌های چاپ · چاپار</title>" in page  # "Print batches"
        assert "هنوز برنامهٔ چاپی ندارید" in page and "No print programs yet" not in page
        program = print_program(users, add_postal_contacts(2))
        page = client_as("marketer").get(f"/print/programs/{program.id}/").get_data(as_text=True)
        assert "<h2>نامه‌ها</h2>" in page and "بازگشت به برنامه" in page and "Back to the program" not in page
        assert "۰ از ۰ نامه ساخته شد" in page  # "0 of 0 letters rendered" (none until launched), Persian digits
        # A bad request's message too, in the language of whoever made it.
        refused = client_as("marketer").get(f"/print/programs/{program.id}/labels.pdf?layout=9x9")
        assert refused.status_code == 400 and "چیدمان برچسب ناشناخته است." in refused.get_data(as_text=True)

    def test_the_channel_settings_and_composer_in_persian(self, print_app, users, client_as):
        settings = page_in_persian(users, client_as, "/admin/channels/print")
        assert "نام فرستنده" in settings and "هزینهٔ پست هر نامه" in settings and "Postage per letter" not in settings
        program = print_program(users, add_postal_contacts(1))
        form = page_in_persian(users, client_as, f"/programs/{program.id}/edit", role="marketer")
        assert "پنجرهٔ پاکت" in form and "کارت پستال A6" in form and "Envelope window" not in form
