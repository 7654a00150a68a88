"""Importing contacts from CSV: upload -> column mapping -> preview -> background job -> summary.

The steps keep their state on an ImportJob row, so each is a plain page with its own address.
While the job runs, htmx fetches the progress fragment every second; without JavaScript a
<noscript> refresh (and a Refresh link) reloads the page instead.
"""
from functools import wraps
from pathlib import Path

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from chapar.access import require_role
from chapar.audit import record
from chapar.contacts import importer
from chapar.contacts.importer.jobs import uploads_dir
from chapar.contacts.labels import CHANNEL_LABELS, STATUS_LABELS
from chapar.i18n import current_language
from chapar.models import CHANNELS, CONSENT_STATUSES, CustomField, ImportJob

from . import blueprint
from .errors import http_error
from .render import paginate, render

PREVIEW_ROWS = 20
STATUS_LABELS_IMPORT = {
    "uploaded": _l("Waiting for the mapping"), "queued": _l("Waiting for a worker"), "running": _l("Importing"),
    "cancelling": _l("Stopping"), "finished": _l("Finished"), "failed": _l("Failed"), "cancelled": _l("Cancelled"),
}
STATUS_BADGES = {"finished": "ok", "failed": "error", "cancelled": "muted", "cancelling": "warn",
                 "uploaded": "muted"}
ENCODING_LABELS = {"utf-8-sig": _l("UTF-8"), "utf-16": _l("UTF-16"), "cp1256": _l("Windows-1256 (Persian Excel)")}
OUTCOME_LABELS = {"created": _l("Create"), "updated": _l("Update"), "skipped": _l("Skip"), "failed": _l("Problem")}
SETTINGS_MESSAGES = {
    "unknown_column": _l("That column is not in the file."),
    "unknown_target": _l("Choose a field from the list."),
    "duplicate_target": _l("“%(field)s” is chosen for two columns; choose it for one only."),
    "unknown_key": _l("Choose whether contacts are matched by email or by mobile."),
    "key_not_mapped": _l("Choose the column that holds the %(field)s: the import matches contacts by it."),
    "full_name_and_parts": _l("Choose a full-name column or first- and last-name columns, not both."),
    "unknown_consent": _l("Choose a consent status from the list."),
    "wording_required": _l("Enter the consent statement people agreed to: it is kept as the evidence of "
                           "each subscription."),
    "invalid_tag": _l("A tag may have at most 100 characters."),
}


def _import_or_404(import_id):
    job = ImportJob.get_or_none(ImportJob.id == import_id)
    if job is None:
        abort(404)
    return job


def wizard_step(view):
    """A step before the import starts: the view gets the ImportJob; once started, its page."""

    @wraps(view)
    def wrapped(import_id):
        job = _import_or_404(import_id)
        if job.status != "uploaded":
            return redirect(url_for("webui.import_show", import_id=job.id))
        return view(job)

    return wrapped


def _upload_page(error=None, status=200):
    limit = current_app.config["CHAPAR"].MAX_UPLOAD_MB
    return render("webui/imports/upload.html", status=status, error=error, limit=limit)


@blueprint.app_errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """An upload over CHAPAR_MAX_UPLOAD_MB: say so, with the limit, on the upload page itself.

    The body is refused while the form is parsed (by the CSRF check, before any view runs),
    hence an error handler; other too-large requests keep the usual error page.
    """
    if request.path != url_for("webui.import_upload"):
        return http_error(error)
    limit = current_app.config["CHAPAR"].MAX_UPLOAD_MB
    return _upload_page(_("The file is larger than the %(limit)s MB this Chapar accepts. Split it into smaller "
                          "files, or ask an administrator to import it with “chapar contacts import” on the "
                          "server.", limit=limit), status=413)


@blueprint.route("/imports")
@require_role("marketer")
def imports():
    query = ImportJob.select().order_by(ImportJob.id.desc())
    return render("webui/imports/list.html", page=paginate(query, per_page=25), status_labels=STATUS_LABELS_IMPORT,
                  badges=STATUS_BADGES)


@blueprint.route("/imports/new", methods=["GET", "POST"])
@require_role("marketer")
def import_upload():
    if request.method != "POST":
        return _upload_page()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _upload_page(_("Choose a CSV file to upload."), status=422)
    importer.sweep_stale_uploads()
    path = importer.new_upload_path()
    upload.save(path)
    try:
        job = importer.create_import(path, upload.filename, user=current_user._get_current_object(),
                                     locale=current_language())
    except importer.CsvFormatError as exc:
        return _upload_page(importer.describe_file_error(exc), status=422)
    return redirect(url_for("webui.import_mapping", import_id=job.id))


def _mapping_form(job, custom_fields, errors=None, status=200, form=None):
    settings = job.settings
    return render("webui/imports/mapping.html", status=status, job=job, errors=errors or [],
                  samples=importer.sample_rows(job), targets=importer.all_targets(custom_fields),
                  mapping={int(i): t for i, t in settings["mapping"].items()} if form is None else form["mapping"],
                  settings=settings if form is None else form, channels=CHANNELS, channel_labels=CHANNEL_LABELS,
                  consent_options=[("", _("Leave as it is"))] + [(status, STATUS_LABELS[status])
                                                                 for status in CONSENT_STATUSES if status != "unknown"])


def _settings_errors(problems, custom_fields):
    return [str(SETTINGS_MESSAGES.get(code, code)) % {"field": importer.target_label(subject, custom_fields)}
            for code, subject in problems]


@blueprint.route("/imports/<id:import_id>/mapping", methods=["GET", "POST"])
@require_role("marketer")
@wizard_step
def import_mapping(job):
    custom_fields = list(CustomField.select().order_by(CustomField.position, CustomField.id))
    if request.method != "POST":
        return _mapping_form(job, custom_fields)
    form = {
        "mapping": {i: request.form.get(f"map-{i}", "") for i in range(len(job.header))},
        "key": request.form.get("key", ""), "tags": [t for t in request.form.get("tags", "").split(",")],
        "consent": {c: request.form.get(f"consent-{c}", "") for c in CHANNELS},
        "wording": request.form.get("wording", ""), "update_existing": bool(request.form.get("update_existing")),
    }
    try:
        importer.configure(job, locale=current_language(), **form)
    except importer.ImportSettingsInvalid as exc:
        return _mapping_form(job, custom_fields, _settings_errors(exc.problems, custom_fields), 422, form)
    return redirect(url_for("webui.import_preview", import_id=job.id))


@blueprint.route("/imports/<id:import_id>/preview")
@require_role("marketer")
@wizard_step
def import_preview(job):
    custom_fields = list(CustomField.select())
    rows, names = importer.preview(job, limit=PREVIEW_ROWS)
    mapping = sorted((int(i), t) for i, t in job.settings["mapping"].items())
    columns = [(t, job.header[i], importer.target_label(t, custom_fields)) for i, t in mapping]
    return render("webui/imports/preview.html", job=job, rows=rows, columns=columns, names=names,
                  outcome_labels=OUTCOME_LABELS, describe=importer.describe_all, channel_labels=CHANNEL_LABELS,
                  status_labels=STATUS_LABELS, key_label=importer.target_label(job.settings["key"]))


@blueprint.route("/imports/<id:import_id>/start", methods=["POST"])
@require_role("marketer")
@wizard_step
def import_start(job):
    importer.start(job)
    record("contacts.import_started", actor=current_user, target=job.file_name, import_id=job.id,
           settings=job.settings)
    return redirect(url_for("webui.import_show", import_id=job.id))


def _progress_context(job):
    can_download = bool(job.failures_path) and Path(job.failures_path).parent == uploads_dir() and (
        job.created_by_id == current_user.id or current_user.can("manager"))
    return {"job": job, "status_labels": STATUS_LABELS_IMPORT, "badges": STATUS_BADGES,
            "can_download": can_download, "error": importer.describe_job_error(job.error)}


@blueprint.route("/imports/<id:import_id>")
@require_role("marketer")
def import_show(import_id):
    job = importer.reconcile(_import_or_404(import_id))
    return render("webui/imports/show.html", channel_labels=CHANNEL_LABELS, status_labels_consent=STATUS_LABELS,
                  key_label=importer.target_label(job.settings.get("key", "email")), encoding_labels=ENCODING_LABELS,
                  **_progress_context(job))


@blueprint.route("/imports/<id:import_id>/progress")
@require_role("marketer")
def import_progress(import_id):
    """The progress card alone, for htmx's polling; it stops polling once the import has ended."""
    job = importer.reconcile(_import_or_404(import_id))
    return render("webui/imports/_progress.html", **_progress_context(job))


@blueprint.route("/imports/<id:import_id>/cancel", methods=["POST"])
@require_role("marketer")
def import_cancel(import_id):
    job = importer.cancel(_import_or_404(import_id))
    record("contacts.import_cancelled", actor=current_user, target=job.file_name, import_id=job.id)
    if job.status == "cancelling":
        flash(_("The import stops after the rows it is writing now; those stay imported."), "ok")
    else:
        flash(_("The import is cancelled and its file deleted."), "ok")
    return redirect(url_for("webui.import_show", import_id=job.id))


@blueprint.route("/imports/<id:import_id>/failed-rows.csv")
@require_role("marketer")
def import_failures(import_id):
    """The rows that failed, with the reason for each (the importer's own uploads folder only)."""
    job = _import_or_404(import_id)
    if not _progress_context(job)["can_download"] or not Path(job.failures_path).is_file():
        abort(404)
    stem = Path(job.file_name).stem or "import"
    return send_file(job.failures_path, mimetype="text/csv", as_attachment=True,
                     download_name=f"{stem}-failed-rows.csv", max_age=0)
