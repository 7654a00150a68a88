"""One CSV import of contacts: its file, the choices made in the wizard, its progress and outcome."""
import json

from peewee import BigIntegerField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, utcnow
from .user import User

# uploaded: waiting for the mapping; queued/running: in the background; cancelling: asked to stop.
IMPORT_STATUSES = ("uploaded", "queued", "running", "cancelling", "finished", "failed", "cancelled")
ACTIVE_IMPORT_STATUSES = ("queued", "running", "cancelling")


class ImportJob(BaseModel):
    file_name = CharField(max_length=255)  # as the user named it; also the consent source
    stored_path = CharField(max_length=500, default="")  # "" once the upload is deleted
    owns_file = BooleanField(default=True)  # an upload is ours to delete, a CLI user's file is not
    size_bytes = BigIntegerField(default=0)
    encoding = CharField(max_length=20, default="")
    delimiter = CharField(max_length=4, default="")
    header_json = TextField(default="[]")
    settings_json = TextField(default="{}")  # mapping, key, tags, consent, wording, update_existing
    status = CharField(max_length=12, default="uploaded", index=True)
    via = CharField(max_length=8, default="web")  # web or cli
    created_by = ForeignKeyField(User, null=True, backref="imports", on_delete="SET NULL")
    bytes_done = BigIntegerField(default=0)
    rows_done = IntegerField(default=0)
    created_count = IntegerField(default=0)
    updated_count = IntegerField(default=0)
    skipped_count = IntegerField(default=0)
    failed_count = IntegerField(default=0)
    failures_path = CharField(max_length=500, default="")  # CSV of failed rows with the reasons
    error = TextField(default="")  # why the whole import stopped, when it did
    rq_job_id = CharField(max_length=64, default="")
    created_at = DateTimeField(default=utcnow, index=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)

    @property
    def header(self):
        return json.loads(self.header_json or "[]")

    @property
    def settings(self):
        return json.loads(self.settings_json or "{}")

    @property
    def is_active(self):
        return self.status in ACTIVE_IMPORT_STATUSES

    @property
    def percent(self):
        """How far through the file the import is, 0-100 (bytes read, so it moves smoothly)."""
        if self.status == "finished":
            return 100
        if not self.size_bytes:
            return 0
        return min(100, int(self.bytes_done * 100 / self.size_bytes))
