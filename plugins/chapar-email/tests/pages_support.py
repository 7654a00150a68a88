"""Fixtures for the unsubscribe and tracking tests: the plugin's public pages mounted through a
tiny test plugin, its migrations applied, and a sent message to a contact.

Import into a test module with `plugins`, `fixture_channel_on` and `make_program` (see the tests).
"""
import json
from datetime import timedelta
from pathlib import Path

import chapar_email
import pytest
from chapar import hookimpl
from chapar.db import db
from chapar.models import Contact, EventRecord, Message, utcnow
from chapar_email.tracking_views import tracking_pages
from chapar_email.unsubscribe import unsubscribe_pages
from playhouse.migrations import Runner

BASE = "https://chapar.example.test"


class PagesPlugin:
    # Stands for the email plugin: the core then finds chapar_email's translations folder, as for the real one.
    __module__ = chapar_email.__name__

    @hookimpl
    def register_blueprints(self, app):
        return [unsubscribe_pages, tracking_pages]


@pytest.fixture
def email_pages(plugins, app_config):
    """Registers the pages before `app` is built; the plugin's tables are migrated in `app`."""
    plugins.register(PagesPlugin(), name="email_pages")
    return app_config


@pytest.fixture
def migrated(email_pages, app):
    Runner(db.obj, str(Path(chapar_email.__file__).parent / "migrations"), table_name="migrations_email").up()
    app.config["CHAPAR_PUBLIC_URL"] = BASE
    return app


@pytest.fixture
def sent_message(migrated, make_program):
    """sent_message(seconds_ago=3600, **contact fields) -> a Message sent to a new contact."""
    counter = iter(range(1, 1000))

    def make(seconds_ago=3600, **fields):
        n = next(counter)
        contact = Contact.create(**{"first_name": "Sara", "email": f"sara{n}@example.test",
                                    "consent_email": "subscribed", **fields})
        program = make_program(contacts=[contact.id], name=f"Spring sale {n}")
        return Message.create(program=program, contact=contact, address=contact.email, status="sent",
                              sent_at=utcnow() - timedelta(seconds=seconds_ago))

    return make


def events(name, message=None):
    """[properties dict] of the recorded events called `name` (of `message`)."""
    query = EventRecord.select().where(EventRecord.name == name)
    if message is not None:
        query = query.where(EventRecord.message == getattr(message, "id", message))
    return [json.loads(row.properties_json) for row in query.order_by(EventRecord.id)]
