"""The import wizard in the web UI, with a real RQ worker on the test Redis."""
import csv
import io
import os
import re
from datetime import timedelta

import pytest
from rq.job import Job

from chapar.contacts.importer import sweep_stale_uploads
from chapar.models import ConsentRecord, Contact, ImportJob, SiteSetting, utcnow
from chapar.queue import get_redis
from chapar.users import create_user
from chapar.worker import build_worker

PERSIAN_CSV = ("نام,نام خانوادگی,موبایل,ایمیل,شرکت\n"
               "علی,رضایی,۰۹۱۲۱۲۳۴۵۶۷,ali@example.com,شرکت «پارس»\n"
               "<script>alert(1)</script>,<img src=x onerror=alert(2)>,09127654321,xss@example.com,\n"
               "بد,,12,not-an-email,\n")


@pytest.fixture
def marketer(client_as):
    SiteSetting.set_value("default_country", "IR")
    return client_as("marketer")


def upload(browser, content, name="مشتریان.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return browser.post("/imports/new", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def import_id_of(response):
    return int(re.search(r"/imports/(\d+)/", response.headers["Location"]).group(1))


def mapping_form(job, **changes):
    form = {f"map-{i}": t for i, t in job.settings["mapping"].items()}
    form.update(key="email", tags="نمایشگاه, vip", wording="با دریافت خبرنامه موافقم", update_existing="1")
    form["consent-email"] = "subscribed"
    form.update(changes)
    return form


def run_worker(app):
    build_worker(app, ["default"]).work(burst=True)


def test_upload_map_preview_and_import_in_the_background(app, marketer, users):
    response = upload(marketer, PERSIAN_CSV)
    assert response.status_code == 302
    job = ImportJob.get_by_id(import_id_of(response))
    assert job.created_by_id == users["marketer"].id and job.stored_path.startswith(str(app.config["CHAPAR"].HOME))
    page = marketer.get(f"/imports/{job.id}/mapping").get_data(as_text=True)
    assert '<option value="mobile" selected>' in page and '<option value="email" selected>' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page

    response = marketer.post(f"/imports/{job.id}/mapping", data=mapping_form(job))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/imports/{job.id}/preview")
    page = marketer.get(f"/imports/{job.id}/preview").get_data(as_text=True)
    assert page.count(">Create<") == 2 and page.count(">Problem<") == 1
    assert "not a valid email address" in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert Contact.select().count() == 0  # the preview writes nothing

    response = marketer.post(f"/imports/{job.id}/start")
    assert response.headers["Location"].endswith(f"/imports/{job.id}")
    card = marketer.get(f"/imports/{job.id}/progress").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in card and "Waiting for a worker" in card and "<html" not in card
    assert "noscript" in marketer.get(f"/imports/{job.id}").get_data(as_text=True)

    run_worker(app)
    job = ImportJob.get_by_id(job.id)
    assert (job.status, job.created_count, job.failed_count, job.stored_path) == ("finished", 2, 1, "")
    card = marketer.get(f"/imports/{job.id}/progress").get_data(as_text=True)
    assert "hx-trigger" not in card and "Finished" in card and "100%" in card
    failures = marketer.get(f"/imports/{job.id}/failed-rows.csv")
    assert failures.status_code == 200 and failures.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(failures.get_data().decode("utf-8-sig"))))
    assert rows[1][:4] == ["بد", "", "12", "not-an-email"] and rows[1][5] == "4"

    ali = Contact.get(Contact.email == "ali@example.com")
    assert (ali.first_name, ali.company, ali.mobile, ali.consent_email) == (
        "علی", "شرکت «پارس»", "+989121234567", "subscribed")
    record = ConsentRecord.get(ConsentRecord.contact == ali)
    assert (record.method, record.detail, record.wording) == ("import", "مشتریان.csv", "با دریافت خبرنامه موافقم")
    listing = marketer.get("/imports").get_data(as_text=True)
    assert "مشتریان.csv" in listing and "Marketer" in listing


@pytest.fixture
def one_megabyte_limit(app_config):
    app_config["MAX_UPLOAD_MB"] = 1  # before the app is built


def test_the_upload_limit_is_a_clear_page(one_megabyte_limit, marketer):
    response = upload(marketer, "email\n" + "x@example.com\n" * 120_000)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than the 1 MB this Chapar accepts" in page and 'type="file"' in page


@pytest.mark.parametrize("content, message", [
    ("", "The file is empty."),
    ("name,email\n", "The file has column names but no rows below them."),
    ("name,email\nJos\xe9,j@example.com\n".encode("latin-1"), "Line 2 is not valid UTF-8"),
])
def test_a_file_that_cannot_be_imported_is_refused_and_deleted(app, marketer, content, message):
    response = upload(marketer, content)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert ImportJob.select().count() == 0
    assert not list((app.config["CHAPAR"].HOME / "uploads").glob("import-*"))


def test_mapping_problems_are_shown_and_nothing_is_saved(app, marketer):
    job_id = import_id_of(upload(marketer, PERSIAN_CSV))
    job = ImportJob.get_by_id(job_id)
    form = mapping_form(job, wording="", **{"map-3": ""})
    response = marketer.post(f"/imports/{job_id}/mapping", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose the column that holds the Email" in page and "Enter the consent statement" in page
    assert ImportJob.get_by_id(job_id).settings["consent"] == {}


def test_cancelling_before_the_start_deletes_the_upload(app, marketer):
    job_id = import_id_of(upload(marketer, PERSIAN_CSV))
    stored = ImportJob.get_by_id(job_id).stored_path
    marketer.post(f"/imports/{job_id}/cancel")
    job = ImportJob.get_by_id(job_id)
    assert job.status == "cancelled" and job.stored_path == ""
    assert not os.path.exists(stored)
    assert marketer.get(f"/imports/{job_id}/preview").status_code == 302  # the wizard is over


def test_viewers_may_not_import_and_others_may_not_fetch_failed_rows(app, client_as, marketer):
    viewer = client_as("viewer")
    assert viewer.get("/imports").status_code == 403
    assert viewer.get("/imports/new").status_code == 403
    assert "Import contacts" not in viewer.get("/").get_data(as_text=True)
    job_id = import_id_of(upload(marketer, PERSIAN_CSV))
    marketer.post(f"/imports/{job_id}/mapping", data=mapping_form(ImportJob.get_by_id(job_id)))
    marketer.post(f"/imports/{job_id}/start")
    run_worker(app)
    # The failed rows are the uploader's (and managers'), not every marketer's.
    create_user("other@example.test", "another long password", role="marketer")
    other = type(marketer)(app.test_client())
    other.login("other@example.test", "another long password")
    assert other.get(f"/imports/{job_id}/failed-rows.csv").status_code == 404
    assert client_as("manager").get(f"/imports/{job_id}/failed-rows.csv").status_code == 200


def test_an_import_whose_worker_died_is_marked_failed(app, marketer):
    job_id = import_id_of(upload(marketer, PERSIAN_CSV))
    marketer.post(f"/imports/{job_id}/mapping", data=mapping_form(ImportJob.get_by_id(job_id)))
    marketer.post(f"/imports/{job_id}/start")
    job = ImportJob.get_by_id(job_id)
    Job.fetch(job.rq_job_id, connection=get_redis()).delete()  # as if Redis lost it with the worker
    card = marketer.get(f"/imports/{job_id}/progress").get_data(as_text=True)
    assert "The background job stopped unexpectedly" in card and "hx-trigger" not in card
    assert ImportJob.get_by_id(job_id).status == "failed"


def test_persian_and_html_come_back_unchanged_on_every_page_api_and_export(app, marketer, client_as, api_as):
    job_id = import_id_of(upload(marketer, PERSIAN_CSV))
    marketer.post(f"/imports/{job_id}/mapping", data=mapping_form(ImportJob.get_by_id(job_id)))
    marketer.post(f"/imports/{job_id}/start")
    run_worker(app)
    ali = Contact.get(Contact.email == "ali@example.com")
    xss = Contact.get(Contact.email == "xss@example.com")

    page = marketer.get(f"/contacts/{ali.id}").get_data(as_text=True)
    assert "علی" in page and "رضایی" in page and "شرکت «پارس»" in page
    page = marketer.get(f"/contacts/{xss.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "<img src=x" not in page
    listing = marketer.get("/contacts").get_data(as_text=True)
    assert "<script>alert(1)" not in listing and "<img src=x" not in listing

    data = api_as("viewer").get(f"/api/v1/contacts/{ali.id}").get_json()
    assert (data["first_name"], data["last_name"], data["company"]) == ("علی", "رضایی", "شرکت «پارس»")
    assert api_as("viewer").get(f"/api/v1/contacts/{xss.id}").get_json()["first_name"] == "<script>alert(1)</script>"

    exported = client_as("manager").get("/contacts/export.csv").get_data().decode("utf-8-sig")
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(exported))}
    assert (rows["ali@example.com"]["first_name"], rows["ali@example.com"]["company"]) == ("علی", "شرکت «پارس»")
    assert rows["ali@example.com"]["tags"] == "vip, نمایشگاه"
    assert rows["xss@example.com"]["last_name"] == "<img src=x onerror=alert(2)>"


def test_abandoned_uploads_and_old_failed_rows_are_swept(app, marketer):
    abandoned = ImportJob.get_by_id(import_id_of(upload(marketer, PERSIAN_CSV)))
    ImportJob.update(created_at=utcnow() - timedelta(days=2)).where(ImportJob.id == abandoned.id).execute()
    fresh = ImportJob.get_by_id(import_id_of(upload(marketer, PERSIAN_CSV)))
    old_failures = app.config["CHAPAR"].HOME / "uploads" / "failed-old.csv"
    old_failures.write_text("x")
    ended = ImportJob.create(file_name="old.csv", status="finished", failures_path=str(old_failures),
                             finished_at=utcnow() - timedelta(days=31))
    sweep_stale_uploads()
    assert ImportJob.get_by_id(abandoned.id).status == "cancelled"
    assert not os.path.exists(abandoned.stored_path)
    assert ImportJob.get_by_id(fresh.id).status == "uploaded"
    assert not old_failures.exists() and ImportJob.get_by_id(ended.id).failures_path == ""
