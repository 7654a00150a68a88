"""The print plugin's hooks: the channel, the batch pages of print programs and their menu item."""
from chapar import MenuItem, hookimpl
from flask_babel import lazy_gettext as _l

from .channel import PrintChannel


@hookimpl
def register_channels():
    """The `print` channel."""
    return [PrintChannel]


@hookimpl
def register_blueprints(app):
    """The print batches: status, merged PDF, labels, manifest, "mark as mailed"."""
    from .views import pages

    return [pages]


@hookimpl
def menu_items(user):
    """"Print batches" beside the campaigns: the core has no per-program action slot yet."""
    return [MenuItem(_l("Print batches"), "/print/programs/", roles=("admin", "manager", "marketer"), order=35)]
