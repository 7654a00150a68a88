"""Printing a batch on a CUPS printer: a private cupsd (cups_support.py) whose queues print to files
the tests read back. A finished program is sent as one job and its letters recorded as printed when
the job completes; a stopped printer keeps the job waiting with CUPS's reason shown, and a retry
resubmits; a missing queue or an unreachable server is a clear error; bad settings are refused."""
import time

from chapar import EventRecord, Message, Program, utcnow
from chapar.channels import save_channel_settings
from chapar_process import free_port
from cups_support import cupsd  # noqa: F401
from print_support import (
    SETTINGS,
    add_postal_contacts,
    pdf_reader,
    print_program,
    send_all,
)

# Person1's letter runs to two pages; everyone else's is one.
BODY = ('<p>Dear {{ contact.first_name }},</p>'
        '{% if contact.first_name == "Person1" %}<p style="break-before: page">Page two for you.</p>{% endif %}')


def _use_printer(server, queue, **extra):
    assert save_channel_settings("print", {**SETTINGS, "cups_server": server, "cups_queue": queue, **extra}) == {}


def _sent_program(app, users, count=3, **content):
    program = print_program(users, add_postal_contacts(count), body=BODY, **content)
    send_all(app, program, users)
    assert Program.get_by_id(program.id).status == "sent"
    return program


def _until_done(program_id):
    """Ask CUPS about the job until it is no longer waiting or printing (a bounded wait)."""
    from chapar_print.cups_jobs import ACTIVE_STATES, refresh

    record = refresh(program_id)
    for _ in range(600):
        if record["state"] not in ACTIVE_STATES:
            break
        time.sleep(0.1)
        record = refresh(program_id)
    return record


def _printed_events(program_id):
    return sorted(e.message_id for e in EventRecord.select().where(EventRecord.program == program_id,
                                                                    EventRecord.name == "printed"))


def _message_ids(program_id):
    return sorted(m.id for m in Message.select().where(Message.program == program_id))


def test_a_finished_program_is_printed_as_one_job_and_its_letters_recorded(print_app, users, client_as, cupsd):  # noqa: F811
    from chapar_print.cups_jobs import follow_jobs

    queue = cupsd.add_queue()
    _use_printer(cupsd.server, queue, cups_user="postroom")
    program = _sent_program(print_app, users)  # reaching "sent" queues the submission
    record = _until_done(program.id)
    assert record["state"] == "completed" and record["printed"] and record["pages"] == 4
    printed = pdf_reader(cupsd.printed(queue))
    assert len(printed.pages) == 4
    box = printed.pages[0].mediabox  # asked for A4, unscaled: the address stays in the window
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = "\n".join(page.extract_text() for page in printed.pages)
    assert "Dear Person0" in text and "Page two for you." in text and "Dear Person2" in text
    assert _printed_events(program.id) == _message_ids(program.id)
    assert {m.status for m in Message.select().where(Message.program == program.id)} == {"printed"}
    event = EventRecord.get(EventRecord.program == program.id, EventRecord.name == "printed")
    assert '"channel": "print"' in event.properties_json
    page = client_as("manager").get(f"/print/programs/{program.id}/").get_data(as_text=True)
    assert "Printed" in page and "Every letter in the job is recorded as printed." in page and queue in page
    assert "Print now" not in page and "Send to the printer again" not in page
    follow_jobs()  # the periodic pass: the job is done and the program sent, nothing happens twice
    assert _printed_events(program.id) == _message_ids(program.id)


def test_a_stopped_printer_keeps_the_job_waiting_and_a_retry_replaces_it(print_app, users, client_as, cupsd):  # noqa: F811
    from chapar_print.cups import Printer, job_status
    from chapar_print.cups_jobs import job_record

    queue = cupsd.add_queue()
    cupsd.disable(queue, "Paper jam in tray 2")
    _use_printer(cupsd.server, queue)
    program = _sent_program(print_app, users)
    first = job_record(program.id)
    assert first["job_id"] and first["state"] == "pending"
    manager = client_as("manager")
    page = manager.get(f"/print/programs/{program.id}/").get_data(as_text=True)
    assert "Waiting for the printer" in page and "Paper jam in tray 2" in page and "Send to the printer again" in page
    assert _printed_events(program.id) == [] and cupsd.printed(queue) is None
    assert client_as("marketer").post(f"/print/programs/{program.id}/print").status_code == 403

    response = manager.post(f"/print/programs/{program.id}/print")
    assert response.status_code == 303
    second = job_record(program.id)
    assert second["job_id"] != first["job_id"] and second["state"] == "pending"
    assert job_status(Printer(cupsd.server, queue), first["job_id"]).state == "cancelled"  # not printed twice
    assert "3 letters sent to the printer" in manager.get(f"/print/programs/{program.id}/").get_data(as_text=True)

    cupsd.enable(queue)
    record = _until_done(program.id)
    assert record["state"] == "completed" and record["job_id"] == second["job_id"]
    assert len(pdf_reader(cupsd.printed(queue)).pages) == 4
    assert _printed_events(program.id) == _message_ids(program.id)
    assert "Printed" in manager.get(f"/print/programs/{program.id}/").get_data(as_text=True)


def test_a_missing_queue_or_an_unreachable_server_is_a_clear_error_and_a_retry_prints(
        print_app, users, client_as, cupsd):  # noqa: F811
    from chapar_print.cups_jobs import job_record

    _use_printer(cupsd.server, "no-such-printer")
    admin = client_as("admin")
    failed = admin.post("/admin/channels/print/test").get_data(as_text=True)
    assert "The connection failed: CupsError: The printer server 127.0.0.1:" in failed and "no-such-printer" in failed
    program = _sent_program(print_app, users, count=2, page_size="Letter")
    record = job_record(program.id)
    assert record["state"] == "error" and record["job_id"] is None
    manager = client_as("manager")
    page = manager.get(f"/print/programs/{program.id}/").get_data(as_text=True)
    assert "Not sent to the printer" in page and "has no queue named no-such-printer" in page
    assert "Send to the printer again" in page

    _use_printer(f"127.0.0.1:{free_port()}", "anything")  # nothing listens there
    manager.post(f"/print/programs/{program.id}/print")
    page = manager.get(f"/print/programs/{program.id}/").get_data(as_text=True)
    assert "Not sent to the printer: Cannot reach the printer server 127.0.0.1:" in page
    assert _printed_events(program.id) == []

    queue = cupsd.add_queue()
    _use_printer(cupsd.server, queue)
    assert f"The connection works. {queue}: idle" in admin.post("/admin/channels/print/test").get_data(as_text=True)
    manager.post(f"/print/programs/{program.id}/print")
    assert _until_done(program.id)["state"] == "completed"
    printed = pdf_reader(cupsd.printed(queue))
    assert len(printed.pages) == 3  # Person0: one page, Person1: two
    box = printed.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # Letter
    assert _printed_events(program.id) == _message_ids(program.id)


def test_printer_settings_are_checked_and_without_a_printer_nothing_is_sent(print_app, users, client_as):
    from chapar_print.cups_jobs import follow_jobs, job_record

    bad = {"cups_server": "http://print.example/printers/x", "cups_queue": "my printer"}
    errors = save_channel_settings("print", {**SETTINGS, **bad})
    assert set(errors) == {"cups_server", "cups_queue"}
    assert "host name" in str(errors["cups_server"]) and "no spaces" in str(errors["cups_queue"])
    assert set(save_channel_settings("print", {**SETTINGS, "cups_server": "print.example:631"})) == {"cups_queue"}
    assert set(save_channel_settings("print", {**SETTINGS, "cups_server": "print.example:99999",
                                               "cups_queue": "q"})) == {"cups_server"}
    assert set(save_channel_settings("print", {**SETTINGS, "cups_server": "print.example", "cups_queue": "q",
                                               "cups_user": "bob; rm"})) == {"cups_user"}
    assert save_channel_settings("print", {**SETTINGS, "cups_server": "", "cups_queue": ""}) == {}

    program = _sent_program(print_app, users, count=1)
    assert follow_jobs() == (0, 0) and job_record(program.id) is None
    manager = client_as("manager")
    page = manager.get(f"/print/programs/{program.id}/").get_data(as_text=True)
    assert "Print now" not in page and "All letters (PDF)" in page
    response = manager.post(f"/print/programs/{program.id}/print")
    assert response.status_code == 303 and job_record(program.id) is None
    assert "No printer is configured" in manager.get(f"/print/programs/{program.id}/").get_data(as_text=True)


def test_the_periodic_pass_sends_a_recently_finished_batch_but_not_old_ones(print_app, users, cupsd):  # noqa: F811
    import datetime

    from chapar_print.cups_jobs import follow_jobs, job_record

    old = _sent_program(print_app, users, count=1)  # no printer yet: offered for download only
    recent = _sent_program(print_app, users, count=1)
    assert job_record(old.id) is None and job_record(recent.id) is None
    Program.update(finished_at=utcnow() - datetime.timedelta(days=2)).where(Program.id == old.id).execute()
    queue = cupsd.add_queue()
    _use_printer(cupsd.server, queue)
    assert follow_jobs() == (0, 1)  # e.g. the job queued at "sent" was lost with its Redis
    assert _until_done(recent.id)["state"] == "completed" and job_record(old.id) is None
    assert _printed_events(recent.id) == _message_ids(recent.id) and _printed_events(old.id) == []
