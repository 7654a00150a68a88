"""The print plugin's hooks: the channel, the batch pages of print programs and their menu item, and
the CUPS printing of finished batches (cups_jobs.py)."""
from chapar import MenuItem, Program, channel_settings, enqueue, hookimpl
from flask_babel import lazy_gettext as _l

from .channel import PrintChannel
from .cups import printer_from_settings


@hookimpl
def register_channels():
    """The `print` channel."""
    return [PrintChannel]


@hookimpl
def register_blueprints(app):
    """The print batches (status, merged PDF, labels, manifest, "mark as mailed"), the letterhead
    logo page (admins) and the public end of tracked QR codes."""
    from .letterhead_views import letterhead_pages
    from .qr_views import qr_pages
    from .views import pages

    return [pages, letterhead_pages, qr_pages]


@hookimpl
def track_event(event):
    """A print program that reaches "sent" goes to the CUPS printer (if one is configured), in a job."""
    program_id = event.properties.get("program_id")
    if event.name != "program.sent" or not program_id:
        return
    if (Program.select(Program.channel).where(Program.id == program_id).scalar() == "print"
            and printer_from_settings(channel_settings("print")) is not None):
        from .cups_jobs import print_finished

        enqueue(print_finished, program_id)


@hookimpl
def periodic():
    """Follow the batches' CUPS print jobs, and send batches that just finished to the printer."""
    from .cups_jobs import follow_jobs

    follow_jobs()


@hookimpl
def menu_items(user):
    """"Print batches" beside the campaigns: every print program's batch in one list; the letterhead
    logo in the admin section."""
    return [MenuItem(_l("Print batches"), "/print/programs/", roles=("admin", "manager", "marketer"), order=35),
            MenuItem(_l("Letterhead logo"), "/print/letterhead/", roles=("admin",), order=72, section="admin")]


@hookimpl
def program_actions(program, user):
    """"Letters to print" on a print program's page, once it is launched: its batch page."""
    if program.channel != "print" or program.status in ("draft", "ready"):
        return []
    return [MenuItem(_l("Letters to print"), f"/print/programs/{program.id}/", roles=("admin", "manager", "marketer"))]
