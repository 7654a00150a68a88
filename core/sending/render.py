"""Rendering a program's content for each recipient, in the sandbox, into OutgoingMessages."""
from ..channels import OutgoingMessage
from ..db import id_list
from ..models import Contact, ContactFieldValue, CustomField
from ..programs.content import variant_for
from ..templating import TemplateError, contact_context, render


def field_values(contact_ids):
    """{contact id: {custom field key: value}} for these contacts, in one query."""
    values = {}
    ids = [i for i in contact_ids if i]  # a preview's contact with no details has no id
    if not ids:
        return values
    rows = (ContactFieldValue.select(ContactFieldValue, CustomField).join(CustomField)
            .where(ContactFieldValue.contact.in_(id_list(ids))))
    for row in rows:
        values.setdefault(row.contact_id, {})[row.field.key] = row.value
    return values


class Renderer:
    """Renders one program's variants for contact after contact (templates are compiled once)."""

    def __init__(self, program, channel, settings):
        self.program = program
        self.channel = channel
        self.settings = settings
        self.variants = program.variants
        self.template_fields = [f.name for f in channel.content_fields if f.template]
        self.html_fields = set(channel.html_fields)
        campaign = program.campaign
        self.shared = {"program": {"name": program.name, "id": program.id},
                       "campaign": {"name": campaign.name, "id": campaign.id}}

    def outgoing(self, message, contact, values):
        """An OutgoingMessage for `message` (a Message row); raises TemplateError."""
        variant = variant_for(self.variants, message.language)
        content = dict(variant)  # filled in below: the message is frozen, its content dict is not
        out = OutgoingMessage(id=message.id, program_id=self.program.id, contact_id=message.contact_id,
                              address=message.address, content=content, language=message.language,
                              attempt=message.attempts, provider=self.program.provider)
        context = {**self.shared, "contact": contact_context(contact, values),
                   "links": self.channel.links(out, self.settings) or {}}
        for name in self.template_fields:
            source = variant.get(name)
            if isinstance(source, str) and source:
                content[name] = render(source, context, autoescape=name in self.html_fields)
        return out


def preview(program, channel, settings, contact):
    """(content, Estimate) for `contact`, as the program would send it; raises TemplateError."""
    from ..models import Message
    from ..programs.audience import address_of

    message = Message(id=0, program=program, contact=contact, address=address_of(contact, channel.address),
                      language=contact.language or "", attempts=1)
    out = Renderer(program, channel, settings).outgoing(message, contact, field_values([contact.id]).get(contact.id))
    return out, channel.estimate(out)


def sample_estimates(program, channel, limit):
    """Estimates for up to `limit` contacts of the audience (or one blank contact if none)."""
    from ..channels import channel_settings
    from ..programs.audience import candidates

    settings = channel_settings(channel.identifier)
    contacts = list(candidates(program.audience).order_by(Contact.id).limit(limit)) or [Contact(id=0)]
    found = []
    for contact in contacts:
        try:
            found.append(preview(program, channel, settings, contact)[1])
        except TemplateError:
            continue
    return found
