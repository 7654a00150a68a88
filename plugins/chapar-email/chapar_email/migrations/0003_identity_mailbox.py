"""The mailbox each sender identity's bounces and replies arrive in (polled over IMAPS)."""
from peewee import CharField, IntegerField
from playhouse.migrate import migrate

TABLE = "sender_identity"
COLUMNS = (("imap_host", CharField(max_length=255, default="")), ("imap_port", IntegerField(default=993)),
           ("imap_username", CharField(max_length=255, default="")),
           ("imap_password", CharField(max_length=500, default="")),
           ("imap_folder", CharField(max_length=200, default="INBOX")),
           ("processed_folder", CharField(max_length=200, default="Processed")))


def up(migrator, db):
    migrate(*(migrator.add_column(TABLE, name, field) for name, field in COLUMNS))


def down(migrator, db):
    migrate(*(migrator.drop_column(TABLE, name) for name, _field in COLUMNS))
