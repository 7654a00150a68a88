"""Contacts with per-channel consent and its history, tags, typed custom fields, segments."""
from peewee import *  # noqa: F403  (frozen copies of the models, independent of the app's)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class Contact(Base):
        first_name = CharField(max_length=100, default="")
        last_name = CharField(max_length=100, default="")
        email = CharField(max_length=254, null=True, unique=True)
        mobile = CharField(max_length=20, null=True, unique=True)
        fax = CharField(max_length=20, null=True, index=True)
        address_line1 = CharField(max_length=200, default="")
        address_line2 = CharField(max_length=200, default="")
        city = CharField(max_length=100, default="")
        region = CharField(max_length=100, default="")
        postal_code = CharField(max_length=32, default="")
        country = CharField(max_length=2, default="")
        company = CharField(max_length=200, default="")
        job_title = CharField(max_length=200, default="")
        language = CharField(max_length=10, default="")
        time_zone = CharField(max_length=64, default="")
        source = CharField(max_length=20, default="manual")
        utm_source = CharField(max_length=200, default="")
        utm_medium = CharField(max_length=200, default="")
        utm_campaign = CharField(max_length=200, default="")
        utm_term = CharField(max_length=200, default="")
        utm_content = CharField(max_length=200, default="")
        owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
        do_not_contact = BooleanField(default=False)
        consent_email = CharField(max_length=12, default="unknown", index=True)
        consent_sms = CharField(max_length=12, default="unknown", index=True)
        consent_fax = CharField(max_length=12, default="unknown", index=True)
        consent_print = CharField(max_length=12, default="unknown", index=True)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)

        class Meta:
            indexes = ((("last_name", "first_name"), False),)

    class ConsentRecord(Base):
        contact = ForeignKeyField(Contact, on_delete="CASCADE")
        channel = CharField(max_length=12)
        status = CharField(max_length=16)
        previous_status = CharField(max_length=16, default="")
        method = CharField(max_length=20)
        detail = CharField(max_length=255, default="")
        wording = TextField(default="")
        ip = CharField(max_length=64, default="")
        user_agent = CharField(max_length=255, default="")
        actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            indexes = ((("contact", "created_at"), False),)

    class Tag(Base):
        name = CharField(max_length=100, unique=True)
        created_at = DateTimeField()

    class ContactTag(Base):
        contact = ForeignKeyField(Contact, on_delete="CASCADE")
        tag = ForeignKeyField(Tag, on_delete="CASCADE")

        class Meta:
            primary_key = CompositeKey("contact", "tag")
            indexes = ((("tag", "contact"), True),)

    class CustomField(Base):
        key = CharField(max_length=64, unique=True)
        label = CharField(max_length=200)
        kind = CharField(max_length=10)
        choices_json = TextField(default="[]")
        position = IntegerField(default=0)
        created_at = DateTimeField()

    class ContactFieldValue(Base):
        contact = ForeignKeyField(Contact, on_delete="CASCADE")
        field = ForeignKeyField(CustomField, on_delete="CASCADE")
        text_value = CharField(max_length=500, null=True)
        number_value = DoubleField(null=True)
        date_value = DateField(null=True)
        bool_value = BooleanField(null=True)

        class Meta:
            indexes = (
                (("contact", "field"), True),
                (("field", "text_value"), False),
                (("field", "number_value"), False),
                (("field", "date_value"), False),
            )

    class Segment(Base):
        name = CharField(max_length=200, unique=True)
        description = TextField(default="")
        filter_json = TextField()
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        updated_at = DateTimeField()
        cached_count = IntegerField(null=True)
        counted_at = DateTimeField(null=True)

    db.create_tables([Contact, ConsentRecord, Tag, ContactTag, CustomField, ContactFieldValue, Segment])


def down(migrator, db):
    for table in ("segment", "contact_field_value", "custom_field", "contact_tag", "tag", "consent_record",
                  "contact"):
        db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
