"""The import itself, on SQLite and PostgreSQL: what it creates, updates, skips and refuses, and why."""
import csv
import datetime

import pytest
from flask_babel import force_locale

from chapar.contacts import change_consent, create_contact, define_field, tags_of, values_of
from chapar.contacts.importer import cancel, configure, create_import, execute, preview, run_now
from chapar.models import ConsentRecord, Contact, ContactTag, ImportJob, SiteSetting, Tag

HEADER = "نام,نام خانوادگی,ایمیل,موبایل,شهر"


@pytest.fixture
def region(app):
    SiteSetting.set_value("default_country", "IR")


def make_job(tmp_path, lines, key="email", name="contacts.csv", **settings):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    job = create_import(path, name, owns_file=False)
    mapping = {int(i): t for i, t in job.settings["mapping"].items()}
    return configure(job, settings.pop("mapping", mapping), key, **settings)


def run(job, tmp_path):
    failures = tmp_path / "failed.csv"
    counts, stopped = execute(job, failures_path=failures)
    assert not stopped
    return counts, failures


def failed_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_the_preview_and_a_dry_run_show_problems_and_write_nothing(app, region, tmp_path):
    job = make_job(tmp_path, [HEADER, "علی,رضایی,ali@example.com,09121234567,تهران", "بد,,not-an-email,12,",
                              "دو,,ali@example.com,,"], tags=["نمایشگاه"], consent={"email": "subscribed"},
                   wording="Yes please")
    with force_locale("en"):
        rows, names = preview(job)
    assert [(row.line, row.outcome) for row in rows] == [(2, "created"), (3, "failed"), (4, "updated")]
    assert rows[0].values == {"first_name": "علی", "last_name": "رضایی", "email": "ali@example.com",
                              "mobile": "+989121234567", "city": "تهران"}
    assert {p.code for p in rows[1].problems} == {"invalid_email", "invalid_phone"}
    counts, _stopped = execute(job, dry_run=True)
    assert (counts.created, counts.updated, counts.failed) == (1, 1, 1)
    assert Contact.select().count() == Tag.select().count() == ConsentRecord.select().count() == 0


def test_an_import_creates_updates_tags_and_records_consent_without_resubscribing(app, region, users, tmp_path):
    kept = create_contact({"first_name": "Old", "email": "kept@example.com", "company": "Acme"})
    change_consent(kept, "email", "unsubscribed", "user")
    job = make_job(tmp_path, [HEADER, "علی,رضایی,ali@example.com,09121234567,تهران",
                              "New,,KEPT@example.com,,Shiraz"],
                   tags=["نمایشگاه ۱۴۰۳", "vip"], consent={"email": "subscribed", "sms": "unsubscribed"},
                   wording="I agree to hear from you")
    job.created_by = users["marketer"]
    job.save()
    counts, failures = run(job, tmp_path)
    assert (counts.rows, counts.created, counts.updated, counts.failed) == (2, 1, 1, 0)
    assert not failures.exists() or len(failed_rows(failures)) == 1
    ali = Contact.get(Contact.email == "ali@example.com")
    assert (ali.first_name, ali.mobile, ali.source, ali.consent_email, ali.consent_sms) == (
        "علی", "+989121234567", "import", "subscribed", "unsubscribed")
    kept = Contact.get_by_id(kept.id)
    assert (kept.first_name, kept.company, kept.city) == ("New", "Acme", "Shiraz")  # empty cells erase nothing
    assert kept.consent_email == "unsubscribed" and kept.consent_sms == "unsubscribed"
    assert sorted(tags_of(ali)) == sorted(tags_of(kept)) == sorted(["نمایشگاه ۱۴۰۳", "vip"])
    records = {(r.contact_id, r.channel): r for r in ConsentRecord.select().where(ConsentRecord.method == "import")}
    assert set(records) == {(ali.id, "email"), (ali.id, "sms"), (kept.id, "sms")}
    record = records[(kept.id, "sms")]
    assert (record.status, record.previous_status, record.detail, record.wording, record.actor_id) == (
        "unsubscribed", "unknown", "contacts.csv", "I agree to hear from you", users["marketer"].id)


def test_duplicate_rows_update_the_earlier_one_or_are_skipped(app, region, tmp_path):
    lines = [HEADER, "A,One,dup@example.com,,Tehran", "B,,dup@example.com,,", "C,,other@example.com,,"]
    counts, _ = run(make_job(tmp_path, lines, name="a.csv"), tmp_path)
    assert (counts.created, counts.updated) == (2, 1)
    dup = Contact.get(Contact.email == "dup@example.com")
    assert (dup.first_name, dup.last_name, dup.city) == ("B", "One", "Tehran")
    counts, _ = run(make_job(tmp_path, lines, name="b.csv", update_existing=False), tmp_path)
    assert (counts.created, counts.updated, counts.skipped) == (0, 0, 3)
    assert Contact.get(Contact.email == "dup@example.com").first_name == "B"


def test_a_mobile_belonging_to_another_contact_fails_only_that_row(app, region, tmp_path):
    owner = create_contact({"first_name": "Owner", "mobile": "+989121111111"})
    lines = [HEADER, "X,,x@example.com,09121111111,", "Y,,y@example.com,09122222222,",
             "Z,,z@example.com,09122222222,", "W,,w@example.com,,"]
    counts, failures = run(make_job(tmp_path, lines), tmp_path)
    assert (counts.created, counts.failed) == (2, 2)
    assert Contact.get(Contact.email == "y@example.com").mobile == "+989122222222"
    rows = failed_rows(failures)
    assert rows[1][-2:] == ["2", f"موبایل: already belongs to another contact (#{owner.id})"]
    assert rows[2][-2:] == ["4", "موبایل: already used by another contact earlier in this import"]


def test_matching_by_mobile_and_persian_digits(app, region, tmp_path):
    existing = create_contact({"first_name": "Before", "mobile": "+989121234567"})
    lines = [HEADER, "بعد,,,۰۹۱۲ ۱۲۳ ۴۵۶۷,", "نو,,,+98 912 765 4321,", "بی‌شماره,,a@example.com,,"]
    counts, failures = run(make_job(tmp_path, lines, key="mobile"), tmp_path)
    assert (counts.created, counts.updated, counts.failed) == (1, 1, 1)
    assert Contact.get_by_id(existing.id).first_name == "بعد"
    assert failed_rows(failures)[1][-1] == "Mobile is empty, and contacts are matched by it"


def test_failed_rows_file_keeps_the_row_as_read_with_line_and_reason(app, region, tmp_path):
    lines = [HEADER, "=HYPERLINK(\"http://evil\"),x,bad@,,", "two,cells", "ok,,ok@example.com,,",
             "<script>alert(1)</script>,<b>x</b>,html@example.com,,"]
    job = make_job(tmp_path, lines, locale="fa")
    counts, failures = run(job, tmp_path)
    assert (counts.created, counts.failed) == (2, 2)
    raw = failures.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = failed_rows(failures)
    assert rows[0] == HEADER.split(",") + ["سطر", "مشکل"]
    assert rows[1][0] == "'=HYPERLINK(\"http://evil\")" and rows[1][5] == "2" and rows[1][6].startswith("ایمیل: ")
    assert rows[2][:2] == ["two", "cells"] and rows[2][5] == "3"
    html = Contact.get(Contact.email == "html@example.com")
    assert (html.first_name, html.last_name) == ("<script>alert(1)</script>", "<b>x</b>")  # text, as typed


def test_custom_fields_and_a_tags_column(app, region, tmp_path):
    define_field("birthday", "تاریخ تولد", "date")
    define_field("score", "Score", "number")
    define_field("plan", "Plan", "choice", choices=["gold", "silver"])
    lines = ["ایمیل,تاریخ تولد,score,plan,برچسب‌ها", "a@example.com,1370-01-01,۱۲,gold,\"x، y; z\"",
             "b@example.com,1990-02-30,12,bronze,", "c@example.com,,,,"]
    counts, failures = run(make_job(tmp_path, lines), tmp_path)
    assert (counts.created, counts.failed) == (2, 1)
    a = Contact.get(Contact.email == "a@example.com")
    assert values_of(a) == {"birthday": datetime.date(1370, 1, 1), "score": 12.0, "plan": "gold"}
    assert sorted(tags_of(a)) == ["x", "y", "z"]
    assert values_of(Contact.get(Contact.email == "c@example.com")) == {}
    reason = failed_rows(failures)[1][-1]
    assert "تاریخ تولد: not a date" in reason and "plan: not one of the field's choices" in reason


def test_twenty_thousand_rows_go_through_in_batches(app, region, tmp_path):
    create_contact({"email": "u5@example.com", "first_name": "Existing"})
    lines = ["email,first name,mobile"]
    for n in range(20_000):
        email = f"u{n % 19_000}@example.com" if n % 97 else "broken"
        lines.append(f"{email},Name {n},+98912{n:07d}")
    job = make_job(tmp_path, lines)
    progress = []
    counts, stopped = execute(job, progress=lambda read, c: progress.append((read, c.rows)))
    assert not stopped and len(progress) == 10  # 2,000 rows a batch
    assert progress[-1] == (job.size_bytes, 20_000)
    seen, expected = {"u5@example.com"}, {"created": 0, "updated": 0, "failed": 0}
    for line in lines[1:]:  # what a row-by-row import would do
        email = line.split(",")[0]
        outcome = "failed" if email == "broken" else "updated" if email in seen else "created"
        expected[outcome] += 1
        seen.add(email)
    assert (counts.created, counts.updated, counts.failed) == (expected["created"], expected["updated"],
                                                               expected["failed"])
    assert counts.created + counts.updated + counts.failed == 20_000
    assert Contact.select().count() == counts.created + 1
    assert ContactTag.select().count() == 0


def test_a_progress_callback_saying_stop_ends_the_import_after_that_batch(app, tmp_path):
    lines = ["email"] + [f"s{n}@example.com" for n in range(4_500)]
    counts, stopped = execute(make_job(tmp_path, lines), progress=lambda read, c: False)
    assert stopped and counts.rows == 2_000 == Contact.select().count()


def test_stopping_a_running_import_keeps_what_was_written(app, tmp_path):
    job = make_job(tmp_path, ["email"] + [f"s{n}@example.com" for n in range(7_000)])
    job.save()
    counts, stopped = run_now(job, progress=lambda read, c: cancel(ImportJob.get_by_id(job.id)))
    # The first batch's report asks to stop; the loop sees it when saving the next one's progress.
    assert stopped and counts.rows == 4_000 == Contact.select().count()
    assert ImportJob.get_by_id(job.id).status == "cancelled"
