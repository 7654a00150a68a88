"""The base every model shares: bound to the database proxy, timestamps in UTC."""
from datetime import datetime, timezone

from peewee import Model

from ..db import db


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False
