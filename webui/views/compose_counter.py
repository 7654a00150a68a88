"""The composer's live counter, for channels that price by content (SMS segments): for each
language variant rendered for the sample contact, what the channel's estimate() says — characters,
encoding, units — with the cost per recipient and, once the audience is counted, the total.

The program form's audience summary holds the last count and the campaign's currency in hidden
inputs (audience_recipients, audience_currency), so the live check, which posts the whole form,
can multiply without walking the audience on every key stroke.
"""
from decimal import Decimal, InvalidOperation

from flask import request

from chapar.channels import Channel, OutgoingMessage
from chapar.templating import TemplateError

from .compose_preview import render_sample, sample_contact
from .figures import money


def prices_by_content(channel):
    """Whether the channel's estimate depends on the content (it overrides Channel.estimate)."""
    return channel is not None and type(channel).estimate is not Channel.estimate


def _decimal(name):
    try:
        value = Decimal((request.values.get(name) or "").strip() or "x")
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def counters(channel, variants):
    """{language: {"estimate": Estimate, "per_recipient": text, "total": text}} or {} when the channel
    prices every message alike; a variant that does not render yet is left out."""
    if not prices_by_content(channel):
        return {}
    contact = sample_contact()
    per_unit = _decimal("cost_per_unit")
    recipients = _decimal("audience_recipients")
    currency = (request.values.get("audience_currency") or "")[:3]
    found = {}
    for language, values in variants.items():
        try:
            content = {f.name: render_sample(channel, f, values.get(f.name), contact) for f in channel.content_fields}
        except TemplateError:
            continue
        estimate = channel.estimate(OutgoingMessage(id=0, program_id=0, contact_id=None, address="", content=content,
                                                    language=language))
        entry = {"estimate": estimate, "per_recipient": None, "total": None}
        if per_unit is not None:
            each = per_unit * estimate.units
            entry["per_recipient"] = money(each, currency)
            if recipients is not None:
                entry["total"] = money(each * recipients, currency)
        found[language] = entry
    return found
