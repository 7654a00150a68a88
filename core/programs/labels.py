"""What people read for the stored codes of campaigns, programs and messages (lazy translations)."""
from flask_babel import lazy_gettext as _l

CAMPAIGN_STATUS_LABELS = {"planned": _l("Planned"), "active": _l("Active"), "finished": _l("Finished"),
                          "archived": _l("Archived")}
OBJECTIVE_LABELS = {"delivered": _l("Messages delivered"), "responses": _l("Responses"), "leads": _l("Leads"),
                    "deals_won": _l("Deals won"), "revenue": _l("Revenue")}
PROGRAM_STATUS_LABELS = {
    "draft": _l("Draft"), "ready": _l("Ready"), "scheduled": _l("Scheduled"), "sending": _l("Sending"),
    "paused": _l("Paused"), "sent": _l("Sent"), "cancelled": _l("Cancelled"), "failed": _l("Failed"),
}
MESSAGE_STATUS_LABELS = {
    "skipped": _l("Skipped"), "queued": _l("Queued"), "sending": _l("Sending"), "handed": _l("With the provider"),
    "sent": _l("Sent"), "delivered": _l("Delivered"), "printed": _l("Printed"), "mailed": _l("Mailed"),
    "failed": _l("Failed"), "bounced": _l("Bounced"),
    "cancelled": _l("Cancelled"), "uncertain": _l("Uncertain"),
}
SKIP_REASON_LABELS = {
    "excluded": _l("In an excluded segment"), "do_not_contact": _l("Do not contact"),
    "no_address": _l("No address for this channel"), "no_consent": _l("No consent for this channel"),
    "bounced": _l("Address bounced"), "complained": _l("Complained"), "duplicate": _l("Same address as another"),
    "contact_deleted": _l("Contact deleted"), "invalid_address": _l("Address not valid for this channel"),
    "not_mobile": _l("Not a mobile number"),
}
# What a received message did (InboundMessage.action); channels may store others, shown as they are.
INBOUND_ACTION_LABELS = {"unsubscribed": _l("Unsubscribed (keyword)"), "subscribed": _l("Subscribed again (keyword)"),
                         "help": _l("Help reply (keyword)")}
# The outcome of an automatic reply, InboundMessage.data["reply"].
REPLY_LABELS = {"sent": _l("reply sent"), "": _l("no reply configured")}
SCHEDULE_LABELS = {"now": _l("As soon as it is launched"), "at": _l("At a date and time"),
                   "window": _l("Within a sending window")}
CONSENT_POLICY_LABELS = {"subscribed": _l("Only contacts who subscribed"),
                         "not_refused": _l("Subscribed, and those never asked")}
CAPABILITY_LABELS = {"two_way": _l("Two-way"), "delivery_receipts": _l("Delivery receipts"),
                     "tracking": _l("Tracking"), "attachments": _l("Attachments")}
# Events on a message's timeline, besides its own timestamps.
EVENT_LABELS = {
    "delivered": _l("Delivered"), "opened": _l("Opened"), "clicked": _l("Clicked"), "replied": _l("Replied"),
    "bounced": _l("Bounced"), "unsubscribed": _l("Unsubscribed"), "complained": _l("Complained"),
    "printed": _l("Printed"), "mailed": _l("Mailed"),
    "program.launched": _l("Program launched"), "program.sent": _l("Program sent"),
    "program.failed": _l("Program failed"),
}
