"""The sample plugin's notes, with a first note to show."""
import datetime

from peewee import *  # noqa: F403


def up(migrator, db):
    class SampleNote(Model):
        text = CharField(max_length=200)
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False

    db.create_tables([SampleNote])
    SampleNote.create(text="Hello from the sample plugin's migration",
                      created_at=datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None))


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "sample_note"')
