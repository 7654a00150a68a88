"""Fixtures for the fax plugin's tests: the plugin registered with its migrations, fax lines,
contacts with fax numbers and a ready fax program.

Import what a module needs: `from fax_support import fax_app, fax_plugin, make_line  # noqa: F401`.
`folder_line` is a line of the test-only folder transport (folder_transport.py).
"""
import io
import json

import pytest
from chapar.schema import migrate
from fixture_plugin.testing import isolated_plugins

PUBLIC_URL = "https://chapar.example"


@pytest.fixture
def fax_plugin():
    """The plugin registered as Chapar registers an installed one (ask for it before `app`)."""
    import chapar_fax.plugin

    with isolated_plugins() as registry:
        registry.register(chapar_fax.plugin, name="fax", version="0.1.0")
        yield chapar_fax.plugin


@pytest.fixture
def fax_app(fax_plugin, app):
    """The app with the plugin's tables, and the channel's settings (public URL, region IR)."""
    from chapar.channels import save_channel_settings

    migrate()
    with app.app_context():
        assert save_channel_settings("fax", fax_settings()) == {}
    yield app
    from chapar_fax.transports import registry

    registry.forget_all()


@pytest.fixture
def folder_transport():
    """The test-only folder transport, registered through the `register_fax_transports` hook."""
    import folder_transport as module
    from chapar_fax.transports import registry

    registry.register(module, name="folder-transport")
    yield module
    registry.unregister(module)


@pytest.fixture
def folder_line(fax_app, folder_transport, tmp_path):
    """A default fax line of the folder transport, writing into a fresh folder (line.folder)."""
    folder = tmp_path / "faxes"
    folder.mkdir()
    line = make_line("folder", {"folder": str(folder)}, sender="+982188000000")
    line.folder = folder
    return line


def fax_settings(**changes):
    """The channel's settings as an admin who kept every default would save them, with `changes`."""
    from chapar_fax.settings import SETTINGS_FIELDS

    values = {field.name: field.default for field in SETTINGS_FIELDS}
    return {**values, "public_url": PUBLIC_URL, "default_region": "IR", **changes}


def make_line(kind, settings=None, **fields):
    """A FaxLine row of `kind` with `settings` (the transport's settings_fields values)."""
    from chapar_fax.lines import FaxLine

    values = {"name": f"{kind} line", "kind": kind, "sender": "+982188000000", "is_default": True,
              "settings_json": json.dumps(settings or {}), **fields}
    return FaxLine.create(**values)


def add_fax_contacts(count, start=0, consent="subscribed", **extra):
    """`count` contacts with Tehran fax numbers as people type them (021 8877 0000 + i) and fax
    consent; returns their ids in order."""
    from chapar import Contact

    return [Contact.create(first_name=f"Person{i}", last_name="Test", fax=f"021 8877 {i:04d}", consent_fax=consent,
                           **extra).id for i in range(start, start + count)]


def e164(i):
    """The E.164 form of add_fax_contacts' i-th number."""
    return f"+98218877{i:04d}"


def fax_program(users, line, contacts, body="<p>Dear {{ contact.first_name }}, spring prices inside.</p>",
                **content):
    """A ready fax program through `line` to the contact ids `contacts`, at 0.05 per page."""
    from chapar.campaigns import save_campaign
    from chapar.programs import save_program

    campaign = save_campaign({"name": "Spring", "budget": "100"}, actor=users["manager"])
    variant = {"subject": "Spring prices", "body": body, "page_size": "A4", **content}
    data = {"name": "Spring faxes", "channel": "fax", "provider": str(line.id), "variants": {"": variant},
            "audience": {"include": [], "exclude": [], "contacts": list(contacts)}, "cost_per_unit": "0.05"}
    return save_program(data, campaign=campaign, actor=users["manager"])


def send_all(app, program, users):
    """Launch `program` and run the worker until every fax is submitted."""
    from chapar.programs import launch
    from sending_support import run_worker

    launch(program, actor=users["manager"])
    run_worker(app, "fax")


def pdf_text(data):
    """The text of a PDF (bytes or a path), page by page, read with pypdf (it keeps Persian letters whole)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data) if isinstance(data, bytes) else str(data))
    return [page.extract_text() for page in reader.pages]
