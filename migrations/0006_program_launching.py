"""A program's launch writes its audience a chunk at a time; `launching` is set until it is done."""
from peewee import BooleanField
from playhouse.migrate import migrate


def up(migrator, db):
    migrate(migrator.add_column("program", "launching", BooleanField(default=False)))


def down(migrator, db):
    migrate(migrator.drop_column("program", "launching"))
