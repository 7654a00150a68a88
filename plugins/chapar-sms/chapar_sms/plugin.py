"""The SMS plugin's hooks: the channel, its pages, the gateways' callbacks and their polling."""
from chapar import MenuItem, hookimpl
from flask_babel import lazy_gettext as _l
from peewee import DatabaseError

from .channel import SmsChannel


@hookimpl
def register_channels():
    """The `sms` channel."""
    return [SmsChannel]


@hookimpl
def register_blueprints(app):
    """SMS gateways (admin) and the gateways' callbacks (public, secret-protected)."""
    from .callbacks import blueprint as callbacks
    from .views import pages

    return [pages, callbacks]


@hookimpl
def menu_items(user):
    """"SMS gateways" in the admin section."""
    return [MenuItem(_l("SMS gateways"), "/sms/gateways/", roles=("admin",), order=71, section="admin")]


@hookimpl
def periodic():
    """Keep gateways that must fetch their receipts and received messages (SMPP) polled."""
    from .polling import ensure_polling

    try:
        ensure_polling()
    except DatabaseError:  # the plugin's migration has not run on this database yet: nothing to poll
        return
