"""The Jobs page: RQ queues with their counts, the workers, failures with retry and delete.

The counts card is also served alone (/admin/jobs/counts) so htmx can refresh it every few
seconds; without JavaScript the page is simply reloaded by hand.
"""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from chapar import jobs
from chapar.access import require_role
from chapar.audit import record
from chapar.queue import known_queue_names

from . import blueprint
from .render import page_number, render

PAGE_SIZE = 50
STATE_LABELS = {"queued": _l("Queued"), "started": _l("Running"), "deferred": _l("Waiting on others"),
                "scheduled": _l("Scheduled"), "finished": _l("Finished"), "failed": _l("Failed")}
WORKER_STATE_LABELS = {"idle": _l("Idle"), "busy": _l("Busy"), "started": _l("Starting"),
                       "suspended": _l("Suspended")}


def _back():
    """Where a retry or delete returns to: the list it was pressed on, else the Jobs page."""
    queue_name, state = request.form.get("queue", ""), request.form.get("state", "")
    if state in jobs.STATES and queue_name in known_queue_names():
        return redirect(url_for("webui.admin_job_list", queue_name=queue_name, state=state))
    return redirect(url_for("webui.admin_jobs"))


@blueprint.route("/admin/jobs")
@require_role("manager")
def admin_jobs():
    return render("webui/admin/jobs.html", queues=jobs.queue_summaries(), workers=jobs.workers(),
                  failed=jobs.failed_jobs(limit=PAGE_SIZE), states=jobs.STATES, state_labels=STATE_LABELS,
                  worker_state_labels=WORKER_STATE_LABELS)


@blueprint.route("/admin/jobs/counts")
@require_role("manager")
def admin_job_counts():
    """The counts card alone, for htmx's periodic refresh."""
    return render("webui/admin/_job_counts.html", queues=jobs.queue_summaries(), states=jobs.STATES,
                  state_labels=STATE_LABELS)


@blueprint.route("/admin/jobs/queue/<queue_name>/<state>")
@require_role("manager")
def admin_job_list(queue_name, state):
    page = page_number()  # 1 to render.MAX_PAGE
    try:
        listed = jobs.list_jobs(queue_name, state, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    except jobs.JobNotFound:
        abort(404)
    return render("webui/admin/job_list.html", queue_name=queue_name, state=state, jobs=listed[:PAGE_SIZE],
                  page=page, has_next=len(listed) > PAGE_SIZE, state_labels=STATE_LABELS)


@blueprint.route("/admin/jobs/job/<job_id>/retry", methods=["POST"])
@require_role("manager")
def admin_job_retry(job_id):
    try:
        job = jobs.retry(job_id)
    except jobs.JobNotFound:
        flash(_("That job is no longer waiting for a retry: it may have been retried or deleted already."),
              "error")
    else:
        record("job.retried", actor=current_user, target=job.id, queue=job.origin)
        flash(_("The job is back on the “%(queue)s” queue.", queue=job.origin), "ok")
    return _back()


@blueprint.route("/admin/jobs/job/<job_id>/delete", methods=["POST"])
@require_role("manager")
def admin_job_delete(job_id):
    try:
        info = jobs.delete(job_id)
    except jobs.JobNotFound:
        flash(_("That job no longer exists."), "error")
    else:
        record("job.deleted", actor=current_user, target=info.id, queue=info.queue, function=info.function)
        flash(_("The job is deleted."), "ok")
    return _back()


@blueprint.route("/admin/jobs/queue/<queue_name>/retry-failed", methods=["POST"])
@require_role("manager")
def admin_job_retry_failed(queue_name):
    try:
        count = jobs.retry_all_failed(queue_name)
    except jobs.JobNotFound:
        abort(404)
    if count:
        record("job.retried_all", actor=current_user, target=queue_name, count=count)
    flash(ngettext("%(num)d failed job is back on the “%(queue)s” queue.",
                   "%(num)d failed jobs are back on the “%(queue)s” queue.", count, queue=queue_name), "ok")
    return _back()
