"""CSV imports of contacts: the wizard's choices, progress and outcome."""
from peewee import *  # noqa: F403  (frozen copies of the models, independent of the app's)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class ImportJob(Base):
        file_name = CharField(max_length=255)
        stored_path = CharField(max_length=500, default="")
        owns_file = BooleanField(default=True)
        size_bytes = BigIntegerField(default=0)
        encoding = CharField(max_length=20, default="")
        delimiter = CharField(max_length=4, default="")
        header_json = TextField(default="[]")
        settings_json = TextField(default="{}")
        status = CharField(max_length=12, default="uploaded", index=True)
        via = CharField(max_length=8, default="web")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        bytes_done = BigIntegerField(default=0)
        rows_done = IntegerField(default=0)
        created_count = IntegerField(default=0)
        updated_count = IntegerField(default=0)
        skipped_count = IntegerField(default=0)
        failed_count = IntegerField(default=0)
        failures_path = CharField(max_length=500, default="")
        error = TextField(default="")
        rq_job_id = CharField(max_length=64, default="")
        created_at = DateTimeField(index=True)
        started_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True)

    db.create_tables([ImportJob])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "import_job"')
