"""The gateway form's rules: what a gateway has beyond any provider account (chapar.ProviderAccounts
cleans and saves the name, kind, rate, default flag and the provider's settings).

Errors are codes ("required", "bad_sender" …) or the provider's own messages.
"""
import re
import unicodedata

from chapar import ProviderAccounts

from .gateways import SmsGateway, forget_read, gateway_for
from .providers.registry import forget, provider_for, provider_kinds

# An alphanumeric sender id (a brand: letters and digits, at most 11 per GSM 03.40) or a number
# (a short code or a long number, at most 15 digits per E.164).
ALPHANUMERIC_SENDER = re.compile(r"[A-Za-z0-9]{1,11}")
NUMERIC_SENDER = re.compile(r"\+?[0-9]{1,15}")


def _forget(gateway_id):
    """After an admin's change is committed: this process's provider and gateway rows, anew."""
    forget(gateway_id)
    forget_read()


GATEWAYS = ProviderAccounts(model=SmsGateway, channel="sms", noun="gateway", label="SMS gateway",
                            templates="chapar_sms", default=lambda: gateway_for(""), kinds=provider_kinds,
                            instance=provider_for, forget=_forget)


def _clean_sender(form, values, errors):
    # A short code typed with Persian or Arabic-Indic digits (۳۰۰۰) is stored as the gateway needs it.
    values["sender"] = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c
                               for c in (form.get("sender") or "").strip())
    if values["sender"] and not (ALPHANUMERIC_SENDER.fullmatch(values["sender"])
                                 or NUMERIC_SENDER.fullmatch(values["sender"])):
        errors["sender"] = "bad_sender"


def clean_gateway(form, gateway=None):
    """(values, settings, errors) from a submitted gateway form; `gateway` is the one edited, if any.

    Secrets stored for the gateway are kept when their input is blank, as long as its kind is
    unchanged (another kind's secrets mean nothing to the new one)."""
    return GATEWAYS.clean(form, gateway, _clean_sender)
