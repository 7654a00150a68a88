"""Fixtures for the print plugin's tests: the plugin registered as an installed one, its settings,
contacts with postal addresses and a ready print program.

Import what a module needs: `from print_support import print_app, print_plugin  # noqa: F401`.
"""
import io

import pytest
from fixture_plugin.testing import isolated_plugins
from pypdf import PdfReader

SETTINGS = {"sender_name": "Chapar Shop", "return_address": "12 Valiasr St\nTehran", "letterhead": "Chapar Shop\nSince 1405",
            "postage": "0.5"}
MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture
def print_plugin():
    """The plugin registered as Chapar registers an installed one (ask for it before `app`)."""
    import chapar_print.plugin

    with isolated_plugins() as registry:
        registry.register(chapar_print.plugin, name="print", version="0.1.0")
        yield chapar_print.plugin


@pytest.fixture
def print_app(print_plugin, app):
    """The app with the channel's settings saved (sender, letterhead, postage 0.5 per letter)."""
    from chapar.channels import save_channel_settings

    with app.app_context():
        assert save_channel_settings("print", SETTINGS) == {}
    yield app


def add_postal_contacts(count, start=0, **extra):
    """`count` contacts with complete postal addresses and print consent; their ids in order."""
    from chapar import Contact

    ids = []
    for i in range(start, start + count):
        values = {"first_name": f"Person{i}", "last_name": "Test", "address_line1": f"{i + 1} Main Street",
                  "city": "Springfield", "postal_code": f"{10000 + i}", "country": "US", "consent_print": "subscribed",
                  **extra}
        ids.append(Contact.create(**values).id)
    return ids


def print_program(users, contacts, body="<p>Dear {{ contact.first_name }}, spring sale!</p>", **content):
    """A ready print program to the contact ids `contacts`, at 0.1 per page."""
    from chapar.campaigns import save_campaign
    from chapar.programs import save_program

    campaign = save_campaign({"name": "Spring", "budget": "100"}, actor=users["manager"])
    variant = {"body": body, "page_size": "A4", "address_window": "din-b", "margins": 20, **content}
    data = {"name": "Spring letters", "channel": "print", "variants": {"": variant},
            "audience": {"include": [], "exclude": [], "contacts": list(contacts)}, "cost_per_unit": "0.1"}
    return save_program(data, campaign=campaign, actor=users["manager"])


def send_all(app, program, users):
    """Launch `program` and run the worker until every letter is rendered."""
    from chapar.programs import launch
    from sending_support import run_worker

    launch(program, actor=users["manager"])
    run_worker(app, "print")


def pdf_reader(data):
    """A PdfReader of bytes or of a path."""
    return PdfReader(io.BytesIO(data) if isinstance(data, bytes) else str(data))


def text_of(pdf):
    return "\n".join(page.extract_text() for page in pdf_reader(pdf).pages)


def text_positions(page):
    """[(text, x mm from the left, y mm from the top)] of the text shown on a pypdf page."""
    found = []
    height = float(page.mediabox.height)

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x / MM, (height - y) / MM))

    page.extract_text(visitor_text=visit)
    return found
