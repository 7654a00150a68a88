"""The audience: contacts, their consent, tags and custom fields."""
from .consent import change_consent, opt_out, set_do_not_contact
from .fields import define_field, parse_value, values_of
from .merge import merge_contacts
from .normalise import normalise_email, normalise_phone
from .service import (EDITABLE_FIELDS, clean_contact_data, create_contact, default_region, find_existing,
                      update_contact, upsert_contact)
from .tags import add_tags, remove_tags, tags_of

__all__ = [
    "EDITABLE_FIELDS", "add_tags", "change_consent", "clean_contact_data", "create_contact", "default_region",
    "define_field", "find_existing", "merge_contacts", "normalise_email", "normalise_phone", "opt_out", "parse_value",
    "remove_tags", "set_do_not_contact", "tags_of", "update_contact", "upsert_contact", "values_of",
]
