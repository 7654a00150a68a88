"""The `email` channel: what the composer asks for, and sending through sender identities."""
import logging
from urllib.parse import parse_qsl

from chapar import Channel, Field, Program
from flask_babel import lazy_gettext as _l
from peewee import DatabaseError

from . import send as sending
from . import smtp_pool
from .identities import SenderIdentity, ascii_domain, identity_for
from .mime import MessageTooLarge, build
from .tokens import public_base_url, unsubscribe_url

log = logging.getLogger(__name__)


class EmailChannel(Channel):
    identifier = "email"
    label = _l("Email")
    description = _l("Email over SMTP, through your sender identities.")
    capabilities = frozenset({"delivery_receipts", "tracking", "attachments", "two_way"})
    address = "email"
    cost_unit = "email"
    cost_unit_label = _l("email")
    content_fields = (
        Field("subject", _l("Subject"), required=True, template=True, max_length=250),
        Field("preheader", _l("Preheader"), template=True, max_length=250,
              help=_l("The line inboxes show after the subject.")),
        Field("html", _l("HTML"), kind="html", required=True, template=True,
              help=_l("The body; it is placed in a responsive layout (right to left for Persian) unless "
                      "it is a whole document. Merge tags work, e.g. {{ contact.first_name }}.")),
        Field("text", _l("Text part"), kind="textarea", template=True,
              help=_l("Left empty, it is made from the HTML.")),
        Field("utm", _l("UTM parameters"), max_length=500,
              help=_l("Added to every link, e.g. utm_source=chapar&utm_medium=email&utm_campaign=spring")),
    )
    settings_fields = (
        Field("public_url", _l("Public address of Chapar"), kind="url",
              help=_l("Where recipients reach the unsubscribe page and tracking links, e.g. https://chapar.example.com")),
        Field("unsubscribe_domain", _l("Unsubscribe mail domain"),
              help=_l("Domain of the unsubscribe+…@ mailto address; empty: the sender's domain.")),
    )
    html_fields = ("html",)
    template_links = ("unsubscribe",)
    batch_size = 50
    # SMTP has no deduplication: a batch cut short by a dead worker is never sent again.
    idempotent = False

    def providers(self, settings):
        """The sender identities, by id."""
        try:
            return tuple((str(i.id), str(i)) for i in SenderIdentity.select().order_by(SenderIdentity.name))
        except DatabaseError:  # the plugin's migration has not run yet
            return ()

    def rate_per_second(self, settings, provider=""):
        try:
            identity = identity_for(provider)
        except DatabaseError:
            identity = None
        if identity is not None and identity.rate_per_second:
            return float(identity.rate_per_second)
        return super().rate_per_second(settings, provider)

    def links(self, message, settings):
        try:
            # A preview for "a contact with no details" has no contact id: 0 binds no one.
            return {"unsubscribe": unsubscribe_url(message.id, message.contact_id or 0, _base(settings))}
        except RuntimeError:
            # No public URL yet: composing and previewing still work; send() refuses (prepare
            # raises the same error) rather than mail links that lead nowhere.
            return {"unsubscribe": "#unsubscribe"}

    def send(self, batch, settings):
        identity = identity_for(batch[0].provider)
        if identity is None:
            raise LookupError("no sender identity: add one under Email senders")
        public_base_url(_base(settings))  # no public URL: raise now, before anything is sent
        links = []
        with smtp_pool.slot(identity):
            smtp_pool.connection(identity)  # unreachable: raise here, and the whole batch is retried
            # Build in this thread (it has the app context the link tokens need) while another
            # thread talks SMTP: waiting for the server's replies releases the GIL, so the two
            # overlap instead of adding up.
            with sending.Sender(identity) as sender:
                for item in prepare(batch, identity, settings or {}, links, tracked(batch[0].program_id)):
                    sender.put(item)
                if links:
                    from .tracking import store_links

                    store_links(links)
        return sender.results

    def test_connection(self, settings):
        from .test_send import connection_report

        lines = [f"{identity.name}: {connection_report(identity)[1][-1]}"
                 for identity in SenderIdentity.select().order_by(SenderIdentity.name)]
        return "; ".join(lines) or "no sender identity yet"


def _base(settings):
    return (settings or {}).get("public_url") or None


def tracked(program_id):
    """Whether the program has opens and clicks tracked: the program's own "Tracking" switch,
    which the composer shows for channels with the tracking capability."""
    return bool(program_id and Program.select(Program.tracking).where(Program.id == program_id).scalar())


def prepare(batch, identity, settings, links, track=False):
    """Yield (message, built email or the exception building it); with `track`, links become
    signed redirects and are added to `links` as (message id, index, url)."""
    base = _base(settings)
    dkim_key = identity.dkim_private_key.encode() if identity.dkim_selector and identity.dkim_private_key else None
    bounce_domain = ascii_domain(identity.bounce_domain) if identity.bounce_domain.strip() else ""
    mail_domain = ascii_domain(settings.get("unsubscribe_domain") or "") or identity.from_domain
    for message in batch:
        rewrite = None
        content = message.content
        if track or content.get("utm"):
            from .tracking import rewrite_links

            utm = dict(parse_qsl((content.get("utm") or "").lstrip("?")))

            def rewrite(html, message=message, utm=utm, track=track):
                html, found = rewrite_links(html, message.id, track=track, utm=utm, base_url=base)
                links.extend((message.id, index, url) for index, url in found)
                return html
        try:
            return_path = ""
            if bounce_domain:
                from .verp import return_path as verp_return_path

                return_path = verp_return_path(message.id, bounce_domain)
            # One token for the three unsubscribe links (the same string one_click_url and
            # unsubscribe_mailto would each sign again).
            page = unsubscribe_url(message.id, message.contact_id or 0, base)
            token = page.rpartition("/")[2]
            built = build(message, identity, unsubscribe_page=page, one_click_url=f"{page}/one-click",
                          unsubscribe_mailto=f"mailto:unsubscribe+{token}@{mail_domain}?subject=unsubscribe",
                          return_path=return_path, dkim_key=dkim_key, rewrite=rewrite)
        except (MessageTooLarge, ValueError, UnicodeError) as exc:
            built = exc
        except Exception as exc:
            log.exception("email %s could not be built", message.id)
            built = exc
        yield message, built
