"""CSV export: streamed, Excel-friendly, formulas neutralised, and importable again unchanged."""
import csv
import io

import pytest

from chapar.contacts import add_tags, create_contact, define_field
from chapar.contacts.export import CORE_COLUMNS, contacts_matching
from chapar.csv_stream import neutralise
from chapar.contacts.importer import configure, create_import, execute
from chapar.contacts.service import EDITABLE_FIELDS
from chapar.models import AuditLog, Contact, SiteSetting
from chapar.segments import save_segment


def rows_of(response):
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads the BOM and then Persian correctly
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+989121234567", "'+989121234567"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Ali", "Ali"), ("علی", "علی"), ("", ""), (None, ""), (12, "12"), ("a=b", "a=b"),
])
def test_formula_cells_are_neutralised(value, expected):
    assert neutralise(value) == expected


def test_every_editable_field_is_a_column():
    assert set(EDITABLE_FIELDS) <= set(CORE_COLUMNS)


@pytest.fixture
def people(app):
    define_field("birthday", "تاریخ تولد", "date")
    define_field("vip", "VIP", "boolean")
    ali = create_contact({"first_name": "علی", "last_name": "رضایی", "email": "ali@example.com",
                          "mobile": "+989121234567", "company": "=HYPERLINK(\"http://evil\")", "city": "تهران",
                          "birthday": "1990-01-31", "vip": "yes"})
    sara = create_contact({"first_name": "<script>alert(1)</script>", "email": "sara@example.com", "city": "Shiraz"})
    add_tags([ali.id], ["نمایشگاه", "b-list"])
    return ali, sara


def test_managers_download_everyone_streamed_with_custom_fields_and_tags(app, client_as, people, users):
    ali, sara = people
    response = client_as("manager").get("/contacts/export.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = rows_of(response)
    assert [row["email"] for row in rows] == ["ali@example.com", "sara@example.com"]
    first = rows[0]
    assert (first["first_name"], first["city"], first["tags"]) == ("علی", "تهران", "b-list, نمایشگاه")
    assert first["mobile"] == "'+989121234567" and first["company"] == "'=HYPERLINK(\"http://evil\")"
    assert (first["birthday"], first["vip"], first["consent_email"]) == ("1990-01-31", "yes", "unknown")
    assert rows[1]["first_name"] == "<script>alert(1)</script>" and rows[1]["birthday"] == ""
    assert AuditLog.get(AuditLog.action == "contacts.exported").actor_id == users["manager"].id


def test_a_segment_and_a_selection_export_only_their_contacts(app, client_as, people):
    ali, sara = people
    manager = client_as("manager")
    segment = save_segment("Tehran", {"field": "city", "op": "eq", "value": "تهران"})
    assert [r["id"] for r in rows_of(manager.get(f"/contacts/export.csv?segment={segment.id}"))] == [str(ali.id)]
    assert manager.get("/contacts/export.csv?segment=999999").status_code == 404
    picked = manager.post("/contacts/export.csv", data={"ids": [str(sara.id)]})
    assert [r["email"] for r in rows_of(picked)] == ["sara@example.com"]
    assert manager.post("/contacts/export.csv", data={}).status_code == 400
    page = manager.get("/contacts/export").get_data(as_text=True)
    assert "Tehran" in page and "Download CSV" in page


@pytest.mark.parametrize("role", ["viewer", "marketer"])
def test_exports_need_a_manager(app, client_as, role):
    browser = client_as(role)
    assert browser.get("/contacts/export.csv").status_code == 403
    assert browser.get("/contacts/export").status_code == 403


def test_batches_page_by_id_and_never_repeat(app):
    ids = [create_contact({"email": f"p{n}@example.com"}).id for n in range(7)]
    batches = list(contacts_matching(Contact.email != "p3@example.com", batch_size=2))
    assert [len(batch) for batch in batches] == [2, 2, 2]
    assert [c.id for batch in batches for c in batch] == [i for n, i in enumerate(ids) if n != 3]


def test_an_export_imports_again_without_changing_anything(app, client_as, people, tmp_path):
    SiteSetting.set_value("default_country", "IR")
    exported = client_as("manager").get("/contacts/export.csv").get_data()
    path = tmp_path / "export.csv"
    path.write_bytes(exported)
    before = [dict(c.__data__) for c in Contact.select().order_by(Contact.id)]
    job = create_import(path, "export.csv", owns_file=False)
    configure(job, {int(i): t for i, t in job.settings["mapping"].items()}, "email")
    counts, _stopped = execute(job)
    assert (counts.created, counts.updated, counts.failed) == (0, 2, 0)
    after = [dict(c.__data__) for c in Contact.select().order_by(Contact.id)]
    for row in before + after:
        row.pop("updated_at")
    assert after == before
