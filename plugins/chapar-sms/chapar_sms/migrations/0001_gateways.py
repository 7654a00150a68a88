"""SMS gateways: the Kannel, SMPP and HTTP gateways SMS programs send through."""
import datetime

from peewee import *


def up(migrator, db):
    class SmsGateway(Model):
        name = CharField(max_length=100, unique=True)
        kind = CharField(max_length=40)
        settings_json = TextField(default="{}")
        sender = CharField(max_length=20, default="")
        rate_per_second = FloatField(null=True)
        is_default = BooleanField(default=False)
        secret = CharField(max_length=64)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            legacy_table_names = False

    db.create_tables([SmsGateway])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "sms_gateway"')
