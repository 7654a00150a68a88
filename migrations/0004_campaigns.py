"""Campaigns, programs, the content library, messages, inbound messages and events."""
from datetime import datetime, timezone

from peewee import *  # noqa: F403  (frozen copies of the models, independent of the app's)


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class Tag(Base):
        class Meta:
            table_name = "tag"

    class Contact(Base):
        class Meta:
            table_name = "contact"

    class Campaign(Base):
        name = CharField(max_length=200)
        description = TextField(default="")
        objective_metric = CharField(max_length=12, default="delivered")
        objective_target = DecimalField(max_digits=16, decimal_places=2, null=True)
        objective_deadline = DateField(null=True)
        starts_on = DateField(null=True)
        ends_on = DateField(null=True)
        budget = DecimalField(max_digits=16, decimal_places=2, default=0)
        currency = CharField(max_length=3, default="USD")  # ISO 4217
        time_zone = CharField(max_length=64, default="UTC")  # program schedules are read in this zone
        owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
        status = CharField(max_length=10, default="planned", index=True)
        created_at = DateTimeField(default=utcnow, index=True)
        updated_at = DateTimeField(default=utcnow)

    class CampaignTag(Base):
        campaign = ForeignKeyField(Campaign, backref="tag_links", on_delete="CASCADE")
        tag = ForeignKeyField(Tag, backref="campaign_links", on_delete="CASCADE")

        class Meta:
            indexes = ((("campaign", "tag"), True),)

    class ContentItem(Base):
        name = CharField(max_length=200)
        channel = CharField(max_length=40, index=True)  # a channel identifier
        description = TextField(default="")
        # {language: {field: value}}; the "" language is the fallback for every other.
        variants_json = TextField(default="{}")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=utcnow)
        updated_at = DateTimeField(default=utcnow)

    class Program(Base):
        campaign = ForeignKeyField(Campaign, backref="programs", on_delete="CASCADE")
        name = CharField(max_length=200)
        channel = CharField(max_length=40, index=True)  # a channel identifier
        provider = CharField(max_length=60, default="")  # the channel's sender, identity or gateway
        content_item = ForeignKeyField(ContentItem, null=True, on_delete="SET NULL")  # copied from
        variants_json = TextField(default="{}")  # {language: {field: value}}, "" is the fallback
        audience_json = TextField(default='{"include": [], "exclude": [], "contacts": []}')
        consent_policy = CharField(max_length=12, default="subscribed")
        schedule_kind = CharField(max_length=8, default="now")
        scheduled_at = DateTimeField(null=True)  # UTC; entered in the campaign's time zone
        window_start = CharField(max_length=5, default="")  # "HH:MM" in the campaign's time zone
        window_end = CharField(max_length=5, default="")
        window_days = CharField(max_length=7, default="0123456")  # Monday is 0
        throttle_per_minute = IntegerField(null=True)
        cost_per_unit = DecimalField(max_digits=16, decimal_places=4, default=0)
        fixed_cost = DecimalField(max_digits=16, decimal_places=2, default=0)
        tracking = BooleanField(default=False)
        status = CharField(max_length=10, default="draft", index=True)
        audience_size = IntegerField(default=0)  # messages queued at launch (skipped ones excluded)
        estimated_cost = DecimalField(max_digits=16, decimal_places=2, null=True)
        error = TextField(default="")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        launched_at = DateTimeField(null=True)
        started_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True)
        created_at = DateTimeField(default=utcnow)
        updated_at = DateTimeField(default=utcnow)

        class Meta:
            indexes = ((("status", "scheduled_at"), False),)

    class Message(Base):
        program = ForeignKeyField(Program, backref="messages", on_delete="CASCADE")
        # Kept when the contact is deleted: the message is still part of what was sent and spent.
        contact = ForeignKeyField(Contact, null=True, backref="messages", on_delete="SET NULL")
        address = CharField(max_length=500, default="")
        language = CharField(max_length=10, default="")
        status = CharField(max_length=10, default="queued")
        reason = CharField(max_length=40, default="")  # a skip reason or a failure code
        error = TextField(default="")
        provider_id = CharField(max_length=200, default="", index=True)
        units = IntegerField(default=0)
        cost = DecimalField(max_digits=16, decimal_places=4, default=0)
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(null=True)
        lease_until = DateTimeField(null=True)
        lease_token = CharField(max_length=32, default="")
        queued_at = DateTimeField(default=utcnow)
        sent_at = DateTimeField(null=True)
        delivered_at = DateTimeField(null=True)
        failed_at = DateTimeField(null=True)
        updated_at = DateTimeField(default=utcnow)

        class Meta:
            indexes = (
                (("program", "contact"), True),
                (("program", "status"), False),
                (("status", "lease_until"), False),
                (("contact", "queued_at"), False),
            )

    class InboundMessage(Base):
        channel = CharField(max_length=40, index=True)
        sender = CharField(max_length=320)  # the address it came from
        recipient = CharField(max_length=320, default="")  # our number or mailbox
        contact = ForeignKeyField(Contact, null=True, backref="inbound_messages", on_delete="SET NULL")
        program = ForeignKeyField(Program, null=True, backref="inbound_messages", on_delete="SET NULL")
        message = ForeignKeyField(Message, null=True, backref="replies", on_delete="SET NULL")
        subject = CharField(max_length=500, default="")
        body = TextField(default="")
        provider_id = CharField(max_length=200, default="", index=True)
        action = CharField(max_length=40, default="")  # what it did: "unsubscribed", "survey_answer"…
        data_json = TextField(default="{}")
        received_at = DateTimeField(default=utcnow, index=True)

        class Meta:
            indexes = ((("program", "received_at"), False), (("contact", "received_at"), False))

    class EventRecord(Base):
        name = CharField(max_length=40)
        contact = ForeignKeyField(Contact, null=True, backref="events", on_delete="CASCADE")
        message = ForeignKeyField(Message, null=True, backref="events", on_delete="CASCADE")
        program = ForeignKeyField(Program, null=True, backref="events", on_delete="CASCADE")
        campaign = ForeignKeyField(Campaign, null=True, backref="events", on_delete="CASCADE")
        properties_json = TextField(default="{}")
        created_at = DateTimeField(default=utcnow)

        class Meta:
            table_name = "event"
            indexes = ((("contact", "created_at"), False), (("message", "created_at"), False),
                       (("program", "name"), False), (("campaign", "name"), False))

    db.create_tables([Campaign, CampaignTag, ContentItem, Program, Message, InboundMessage, EventRecord])


def down(migrator, db):
    for table in ("event", "inbound_message", "message", "program", "content_item", "campaign_tag", "campaign"):
        db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
