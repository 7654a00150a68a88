"""The fax plugin's hooks: the channel, the fax line pages, the transports' callbacks, and the
periodic polling of lines and resubmission of busy faxes."""
from chapar import MenuItem, enqueue, get_redis, hookimpl
from flask_babel import lazy_gettext as _l
from peewee import DatabaseError

from .channel import FaxChannel


@hookimpl
def register_channels():
    """The `fax` channel."""
    return [FaxChannel]


@hookimpl
def register_blueprints(app):
    """Fax lines (admin), received faxes' PDFs (signed in), and the transports' callbacks (public,
    secret-protected)."""
    from .callbacks import blueprint as callbacks
    from .views import pages

    return [pages, callbacks]


@hookimpl
def menu_items(user):
    """"Fax lines" in the admin section."""
    return [MenuItem(_l("Fax lines"), "/fax/lines/", roles=("admin",), order=72, section="admin")]


@hookimpl
def periodic():
    """Every CHAPAR_FAX_POLL_SECONDS at most, a job polls the lines whose transport must be asked and
    submits the retries that are due (faxes.tick); work that may be slow stays out of the scheduler."""
    from .faxes import poll_seconds, tick
    from .lines import FaxJob

    try:
        FaxJob.select().limit(1).exists()
    except DatabaseError:  # the plugin's migration has not run on this database yet
        return
    if get_redis().set("chapar-fax:tick", 1, nx=True, ex=poll_seconds()):
        enqueue(tick)
