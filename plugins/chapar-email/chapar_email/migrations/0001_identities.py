"""Sender identities: the SMTP servers and From addresses email programs send through."""
import datetime

from peewee import *


def up(migrator, db):
    class SenderIdentity(Model):
        name = CharField(max_length=100, unique=True)
        host = CharField(max_length=255)
        port = IntegerField(default=587)
        security = CharField(max_length=10, default="starttls")
        username = CharField(max_length=255, default="")
        password = CharField(max_length=500, default="")
        from_name = CharField(max_length=200, default="")
        from_address = CharField(max_length=320)
        reply_to = CharField(max_length=320, default="")
        rate_per_second = FloatField(null=True)
        max_connections = IntegerField(default=2)
        bounce_domain = CharField(max_length=255, default="")
        dkim_selector = CharField(max_length=63, default="")
        dkim_private_key = TextField(default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            legacy_table_names = False

    db.create_tables([SenderIdentity])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "sender_identity"')
