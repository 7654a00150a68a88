"""An import's life: the upload, the choices, the preview, the background job, the clean-up.

The web UI and the CLI both go through here; the RQ job carries the ImportJob id only and keeps
its progress on the row, which the progress bar polls. Uploads live in the instance folder's
uploads/ under random names and are deleted as soon as the import ends, fails or is cancelled.
"""
import json
import logging
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

from ...db import db
from ...models import CHANNELS, CONSENT_STATUSES, CustomField, ImportJob, utcnow
from ...queue import enqueue
from ..service import default_region
from ..tags import clean_tag_names
from .clean import RowCleaner
from .pipeline import Counts, FailureFile, preview_rows, run_import
from .reader import CsvFormatError, CsvSource, inspect_file
from .reasons import describe_file_error
from .targets import FIELD_LABELS, check_mapping, suggest_mapping, target_label
from .writer import BatchWriter, WriteOptions

log = logging.getLogger("chapar.imports")
IMPORT_JOB_TIMEOUT = 6 * 3600  # seconds: a large file on a slow disk must not hit the 10-minute default
STALE_UPLOAD_AGE = timedelta(days=1)  # an upload nobody went on with is deleted after this
FAILURES_KEPT = timedelta(days=30)  # how long an import's failed rows can be downloaded


class ImportSettingsInvalid(ValueError):
    """The wizard's choices are wrong: `problems` is a list of (code, subject) pairs."""

    def __init__(self, problems):
        super().__init__(", ".join(code for code, _subject in problems))
        self.problems = problems


def uploads_dir():
    folder = Path(current_app.config["CHAPAR"].HOME) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_upload_path():
    return uploads_dir() / f"import-{secrets.token_hex(16)}.csv"


def _default_settings(fmt, custom_fields, locale):
    mapping = suggest_mapping(fmt.header, custom_fields)
    key = "email" if "email" in mapping.values() or "mobile" not in mapping.values() else "mobile"
    return {"mapping": {str(i): t for i, t in mapping.items()}, "key": key, "tags": [], "consent": {},
            "wording": "", "update_existing": True, "locale": locale}


def create_import(path, file_name, user=None, via="web", owns_file=True, locale="en", save=True):
    """An ImportJob for the CSV file at `path`, its format detected and a mapping suggested
    (saved unless `save` is false: a CLI dry run leaves no trace).

    Raises CsvFormatError (deleting an uploaded file) when the file cannot be imported at all.
    """
    path = Path(path)
    try:
        fmt = inspect_file(path)
    except CsvFormatError:
        if owns_file:
            path.unlink(missing_ok=True)
        raise
    custom_fields = list(CustomField.select())
    job = ImportJob(
        file_name=Path(file_name).name[:255] or "import.csv", stored_path=str(path), owns_file=owns_file,
        size_bytes=path.stat().st_size, encoding=fmt.encoding, delimiter=fmt.delimiter,
        header_json=json.dumps(fmt.header, ensure_ascii=False), via=via, created_by=user,
        settings_json=json.dumps(_default_settings(fmt, custom_fields, locale), ensure_ascii=False))
    if save:
        job.save()
    return job


def sample_rows(job, count=3):
    """The first few non-empty rows of the file, for the mapping page."""
    with CsvSource(Path(job.stored_path), job.encoding, job.delimiter) as source:
        rows = (row.cells for row in source.rows() if not row.is_blank)
        return [cells for cells, _n in zip(rows, range(count))]


def configure(job, mapping, key, tags=(), consent=None, wording="", update_existing=True, locale=None):
    """Check and save the wizard's choices on `job`; raises ImportSettingsInvalid."""
    custom_keys = [f.key for f in CustomField.select(CustomField.key)]
    mapping = {int(i): t for i, t in mapping.items() if t}
    width = len(job.header)
    problems = [("unknown_column", str(i)) for i in mapping if not 0 <= i < width]
    problems += check_mapping(mapping, key, custom_keys)
    consent = {c: s for c, s in (consent or {}).items() if s}
    for channel, status in consent.items():
        if channel not in CHANNELS or status not in CONSENT_STATUSES or status == "unknown":
            problems.append(("unknown_consent", channel))
    if "subscribed" in consent.values() and not (wording or "").strip():
        problems.append(("wording_required", "wording"))
    try:
        tags = clean_tag_names(tags)
    except ValueError:
        problems.append(("invalid_tag", "tags"))
    if problems:
        raise ImportSettingsInvalid(problems)
    settings = {"mapping": {str(i): t for i, t in sorted(mapping.items())}, "key": key, "tags": tags,
                "consent": consent, "wording": (wording or "").strip(), "update_existing": bool(update_existing),
                "locale": locale or job.settings.get("locale", "en")}
    job.settings_json = json.dumps(settings, ensure_ascii=False)
    if job.id is not None:
        job.save()
    return job


def _parts(job, dry_run):
    """The source, mapping, cleaner and writer options of `job`."""
    settings = job.settings
    custom_fields = list(CustomField.select())
    key = settings["key"]
    cleaner = RowCleaner(key, custom_fields, default_region(), key_label=FIELD_LABELS[key])
    options = WriteOptions(key=key, tags=settings.get("tags", []), consent=settings.get("consent", {}),
                           wording=settings.get("wording", ""), update_existing=settings.get("update_existing", True),
                           method="import", detail=job.file_name, source="import", actor_id=job.created_by_id,
                           dry_run=dry_run)
    mapping = sorted((int(i), t) for i, t in settings["mapping"].items())
    names = {t: job.header[i] if i < len(job.header) else target_label(t, custom_fields) for i, t in mapping}
    source = CsvSource(Path(job.stored_path), job.encoding, job.delimiter)
    return source, mapping, cleaner, options, names


def preview(job, limit=20):
    """The first rows with the outcome and problems a real import would give; writes nothing."""
    source, mapping, cleaner, options, names = _parts(job, dry_run=True)
    with source:
        return preview_rows(source, mapping, cleaner, BatchWriter(options), limit=limit), names


def execute(job, progress=None, dry_run=False, failures_path=None):
    """Run the whole import in this process; returns (Counts, stopped). The CLI calls it directly,
    the RQ job through run_import_job. Failed rows go to `failures_path` when given."""
    source, mapping, cleaner, options, names = _parts(job, dry_run)
    with source, force_locale(job.settings.get("locale", "en")):
        writer = BatchWriter(options)
        failures = FailureFile(failures_path, source.header, names, _failure_headers()) if failures_path else None
        try:
            return run_import(source, mapping, cleaner, writer, failures, progress)
        finally:
            if failures is not None:
                failures.close()


def _failure_headers():
    from flask_babel import gettext as _

    return _("line"), _("problem")


def start(job):
    """Queue the import; the worker picks it up by id."""
    job.status = "queued"
    job.save()
    rq_job = enqueue(run_import_job, job.id, job_timeout=IMPORT_JOB_TIMEOUT, description=f"import #{job.id}")
    ImportJob.update(rq_job_id=rq_job.id).where(ImportJob.id == job.id).execute()
    return job


def _progress_saver(job_id):
    def save(bytes_read, counts):
        # Only a running import is updated: a cancel (status "cancelling") makes this match no
        # row, which is how the loop learns to stop, in the same query.
        return ImportJob.update(bytes_done=bytes_read, rows_done=counts.rows, created_count=counts.created,
                                updated_count=counts.updated, skipped_count=counts.skipped,
                                failed_count=counts.failed).where(
            (ImportJob.id == job_id) & (ImportJob.status == "running")).execute() > 0

    return save


def run_now(job, progress=None, failures_path=None):
    """Run a saved import in this process, keeping its progress and outcome on the row; returns
    (Counts, stopped). `progress(bytes_read, counts)` is called after each batch as well."""
    job.status, job.started_at, job.error, job.failures_path = "running", utcnow(), "", str(failures_path or "")
    # Claimed with a condition, so a cancel that came while the job waited in the queue wins.
    claimed = (ImportJob.update(status="running", started_at=job.started_at, error="", failures_path=job.failures_path)
               .where((ImportJob.id == job.id) & ImportJob.status.in_(("uploaded", "queued", "running"))).execute())
    if not claimed:
        return Counts(), True
    save = _progress_saver(job.id)

    def report(bytes_read, counts):
        keep_going = save(bytes_read, counts)
        if progress is not None:
            progress(bytes_read, counts)
        return keep_going

    try:
        counts, stopped = execute(job, progress=report, failures_path=failures_path)
    except CsvFormatError as exc:
        with force_locale(job.settings.get("locale", "en")):
            _finish(job, "failed", error=describe_file_error(exc))
        raise
    except Exception:
        log.exception("import #%s failed", job.id)
        _finish(job, "failed", error="internal_error")
        raise
    _finish(job, "cancelled" if stopped else "finished", counts)
    return counts, stopped


def run_import_job(import_id):
    """The RQ job: import the file of ImportJob `import_id`; failed rows go to uploads/."""
    job = ImportJob.get_or_none(ImportJob.id == import_id)
    if job is None or job.status not in ("queued", "running"):
        return  # cancelled before it started, or already done
    try:
        run_now(job, failures_path=uploads_dir() / f"failed-{secrets.token_hex(16)}.csv")
    except CsvFormatError:
        pass  # recorded on the row: the file changed since it was checked, nothing to retry


def _finish(job, status, counts=None, error=""):
    delete_upload(job)
    values = {ImportJob.status: status, ImportJob.finished_at: utcnow(), ImportJob.error: error}
    if counts is not None:
        values.update({ImportJob.rows_done: counts.rows, ImportJob.created_count: counts.created,
                       ImportJob.updated_count: counts.updated, ImportJob.skipped_count: counts.skipped,
                       ImportJob.failed_count: counts.failed})
        if status == "finished":
            values[ImportJob.bytes_done] = job.size_bytes
    if (counts is None or not counts.failed) and job.failures_path:
        Path(job.failures_path).unlink(missing_ok=True)
        values[ImportJob.failures_path] = ""
    ImportJob.update(values).where(ImportJob.id == job.id).execute()


def delete_upload(job):
    """Remove the uploaded file (never a CLI user's own file)."""
    if job.owns_file and job.stored_path:
        Path(job.stored_path).unlink(missing_ok=True)
        ImportJob.update(stored_path="").where(ImportJob.id == job.id).execute()
        job.stored_path = ""


def cancel(job):
    """Stop an import: at once if it has not started, after the current batch if it runs."""
    with db.atomic():
        if job.status == "running":
            ImportJob.update(status="cancelling").where((ImportJob.id == job.id)
                                                        & (ImportJob.status == "running")).execute()
            return ImportJob.get_by_id(job.id)
        if job.status in ("uploaded", "queued"):
            ImportJob.update(status="cancelled", finished_at=utcnow()).where(ImportJob.id == job.id).execute()
            delete_upload(job)
    return ImportJob.get_by_id(job.id)


def reconcile(job):
    """Mark an active import failed when its RQ job died without telling (a killed worker)."""
    if not job.is_active or not job.rq_job_id:
        return job
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    from ...queue import get_redis

    try:
        status = Job.fetch(job.rq_job_id, connection=get_redis()).get_status(refresh=False)
    except NoSuchJobError:
        status = None
    if status is None or getattr(status, "value", status) in ("failed", "stopped", "canceled"):
        _finish(job, "cancelled" if job.status == "cancelling" else "failed",
                error="" if job.status == "cancelling" else "job_died")
        return ImportJob.get_by_id(job.id)
    return job


def sweep_stale_uploads():
    """Delete uploads whose wizard was abandoned a day ago or more, and failed-rows files (personal
    data too) of imports that ended FAILURES_KEPT ago."""
    for job in ImportJob.select().where((ImportJob.status == "uploaded")
                                        & (ImportJob.created_at < utcnow() - STALE_UPLOAD_AGE)):
        ImportJob.update(status="cancelled", finished_at=utcnow()).where(ImportJob.id == job.id).execute()
        delete_upload(job)
    folder = uploads_dir()
    for job in ImportJob.select().where((ImportJob.failures_path != "")
                                        & (ImportJob.finished_at < utcnow() - FAILURES_KEPT)):
        if Path(job.failures_path).parent == folder:  # never a CLI user's own file
            Path(job.failures_path).unlink(missing_ok=True)
        ImportJob.update(failures_path="").where(ImportJob.id == job.id).execute()
