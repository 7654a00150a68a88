"""The email plugin's hooks: the channel, its pages and their menu item."""
from chapar import MenuItem, hookimpl
from flask_babel import lazy_gettext as _l
from peewee import DatabaseError

from .channel import EmailChannel
from .views import pages


@hookimpl
def register_channels():
    """The `email` channel."""
    return [EmailChannel]


@hookimpl
def register_blueprints(app):
    """Sender identities (admin), the unsubscribe and preferences pages, the click and open
    tracking endpoints, and the bounce webhook (the last three public, signed or secret-protected)."""
    from .tracking_views import tracking_pages
    from .unsubscribe import unsubscribe_pages
    from .webhook import blueprint as webhook

    return [pages, unsubscribe_pages, tracking_pages, webhook]


@hookimpl
def menu_items(user):
    """"Email senders" in the admin section."""
    return [MenuItem(_l("Email senders"), "/email/identities/", roles=("admin",), order=70, section="admin")]


@hookimpl
def periodic():
    """Keep every sender identity's mailbox polled for bounces and replies, even after Redis lost
    the chain of poll jobs."""
    from .inbox import ensure_polling

    try:
        ensure_polling()
    except DatabaseError:  # the plugin's migration has not run on this database yet: nothing to poll
        return
