"""Admin pages for SMS gateways (to be written)."""
from flask import Blueprint

from .i18n import add_translations

pages = Blueprint("chapar_sms", __name__, url_prefix="/sms")
pages.record_once(add_translations)
