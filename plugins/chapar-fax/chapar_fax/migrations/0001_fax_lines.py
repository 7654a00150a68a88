"""Fax lines and the fax jobs submitted through them."""
import datetime

from peewee import *


def up(migrator, db):
    class FaxLine(Model):
        name = CharField(max_length=100, unique=True)
        kind = CharField(max_length=40)
        settings_json = TextField(default="{}")
        sender = CharField(max_length=20, default="")
        rate_per_second = FloatField(null=True)
        is_default = BooleanField(default=False)
        secret = CharField(max_length=64)
        max_tries = IntegerField(default=3)
        retry_minutes = IntegerField(default=5)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            legacy_table_names = False

    class Message(Model):
        class Meta:
            database = db
            table_name = "message"

    class FaxJob(Model):
        message = ForeignKeyField(Message, on_delete="CASCADE")
        line = ForeignKeyField(FaxLine, on_delete="CASCADE")
        provider_id = CharField(max_length=200, default="", index=True)
        attempt = IntegerField(default=1)
        state = CharField(max_length=12, default="pending", index=True)
        reason = CharField(max_length=500, default="")
        pages = IntegerField(null=True)
        next_try_at = DateTimeField(null=True, index=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            legacy_table_names = False

    db.create_tables([FaxLine, FaxJob])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "fax_job"')
    db.execute_sql('DROP TABLE IF EXISTS "fax_line"')
