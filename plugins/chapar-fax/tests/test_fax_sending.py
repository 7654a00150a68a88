"""A fax program end to end through a transport added by the `register_fax_transports` hook: each
recipient's fax rendered with its header, handed to the line, cost per page, outcomes reported,
busy lines retried with backoff up to the line's tries, and another line's reports refused."""
import datetime
import json

import pytest
from chapar import Message, utcnow
from fax_support import (
    add_fax_contacts,
    e164,
    fax_program,
    make_line,
    pdf_text,
    send_all,
)


def messages(program):
    return {m.address: m for m in Message.select().where(Message.program == program.id)}


def later(minutes):
    return utcnow() + datetime.timedelta(minutes=minutes)


def outcomes(line, **by_job):
    (line.folder / "outcomes.json").write_text(json.dumps(by_job))


def job_of(message):
    from chapar_fax.lines import FaxJob

    return FaxJob.select().where(FaxJob.message == message.id).order_by(FaxJob.id.desc()).first()


def test_each_recipient_gets_their_own_fax_with_the_header(fax_app, folder_line, users):
    contacts = add_fax_contacts(2)
    program = fax_program(users, folder_line, contacts)
    send_all(fax_app, program, users)
    sent = messages(program)
    assert set(sent) == {e164(0), e164(1)}  # "021 8877 0000" became E.164
    for i, address in enumerate((e164(0), e164(1))):
        message = sent[address]
        assert message.status == "sent"
        pdf = folder_line.folder / f"chapar-{message.id}-1.pdf"
        text = pdf_text(pdf)
        assert f"Dear Person{i}, spring prices inside." in text[0] and "Spring prices" in text[0]
        assert f"To: {address}" in text[0] and "From: +982188000000" in text[0] and "Page 1 of 1" in text[0]
        meta = json.loads((folder_line.folder / f"chapar-{message.id}-1.json").read_text())
        assert meta == {"to": address, "sender": "+982188000000", "pages": 1, "attempt": 1}
        assert message.units == 1 and float(message.cost) == pytest.approx(0.05)


def test_cost_counts_every_page_and_tiff_transports_get_a_fax_image(fax_app, folder_transport, users, tmp_path):
    from PIL import Image

    line = make_line("folder", {"folder": str(tmp_path), "wants": "tiff"})
    long_body = '<p>page one</p><p style="page-break-before: always">page two {{ contact.first_name }}</p>'
    program = fax_program(users, line, add_fax_contacts(1), body=long_body)
    send_all(fax_app, program, users)
    message = messages(program)[e164(0)]
    assert message.units == 2 and float(message.cost) == pytest.approx(0.10)
    with Image.open(tmp_path / f"chapar-{message.id}-1.tif") as image:
        assert image.n_frames == 2 and tuple(round(d) for d in image.info["dpi"]) == (204, 196)


def test_invalid_numbers_are_skipped_and_refused_ones_fail(fax_app, folder_line, users):
    from chapar import Contact

    good, refused = add_fax_contacts(2)
    bad = Contact.create(first_name="Bad", fax="12ab", consent_fax="subscribed").id
    (folder_line.folder / "refuse").write_text(e164(1))
    program = fax_program(users, folder_line, [good, refused, bad])
    send_all(fax_app, program, users)
    by_contact = {m.contact_id: m for m in Message.select().where(Message.program == program.id)}
    assert by_contact[bad].status == "skipped" and by_contact[bad].reason == "invalid_address"
    assert by_contact[refused].status == "failed" and "refused" in by_contact[refused].error
    assert by_contact[good].status == "sent"


def test_delivered_and_failed_reports_move_the_message(fax_app, folder_line, users):
    from chapar_fax.faxes import poll_lines

    program = fax_program(users, folder_line, add_fax_contacts(2))
    send_all(fax_app, program, users)
    one, two = messages(program)[e164(0)], messages(program)[e164(1)]
    outcomes(folder_line, **{job_of(one).provider_id: ["delivered", "", 1],
                             job_of(two).provider_id: ["failed", "remote hung up", None]})
    assert poll_lines() == 2
    assert Message.get_by_id(one.id).status == "delivered"
    failed = Message.get_by_id(two.id)
    assert failed.status == "failed" and "remote hung up" in failed.error
    assert poll_lines() == 0  # final: nothing left to ask about


def test_a_busy_line_is_tried_again_with_backoff_then_fails(fax_app, folder_line, users):
    from chapar_fax.faxes import report, resubmit_due
    from chapar_fax.transports.base import FaxStatus

    folder_line.max_tries, folder_line.retry_minutes = 3, 5
    folder_line.save()
    program = fax_program(users, folder_line, add_fax_contacts(1))
    send_all(fax_app, program, users)
    message = messages(program)[e164(0)]
    report(folder_line, [FaxStatus(job_of(message).provider_id, "busy", "busy")])
    first_wait = job_of(message).next_try_at - utcnow()
    assert datetime.timedelta(minutes=4) < first_wait <= datetime.timedelta(minutes=5)
    assert resubmit_due() == 0  # not due yet
    assert resubmit_due(now=later(6)) == 1
    second = job_of(message)
    assert second.attempt == 2 and (folder_line.folder / f"chapar-{message.id}-2.pdf").exists()
    report(folder_line, [FaxStatus(second.provider_id, "no_answer", "no answer")])
    assert datetime.timedelta(minutes=9) < job_of(message).next_try_at - utcnow() <= datetime.timedelta(minutes=10)
    assert resubmit_due(now=later(11)) == 1
    report(folder_line, [FaxStatus(job_of(message).provider_id, "busy")])
    final = Message.get_by_id(message.id)
    assert final.status == "failed" and "busy after 3 tries" in final.error
    assert job_of(message).attempt == 3 and resubmit_due(now=later(600)) == 0


def busy_while_the_line_is_down(fax_app, folder_line, users):
    """One fax sent, reported busy, and then its line's service down: the message."""
    from chapar_fax.faxes import report
    from chapar_fax.transports.base import FaxStatus

    program = fax_program(users, folder_line, add_fax_contacts(1))
    send_all(fax_app, program, users)
    message = messages(program)[e164(0)]
    report(folder_line, [FaxStatus(job_of(message).provider_id, "busy")])
    (folder_line.folder / "down").write_text("")
    return message


def test_a_retry_while_the_service_is_down_waits_and_nothing_is_lost(fax_app, folder_line, users):
    from chapar_fax.faxes import resubmit_due

    message = busy_while_the_line_is_down(fax_app, folder_line, users)
    assert resubmit_due(now=later(6)) == 0
    assert job_of(message).state == "retry" and "down" in job_of(message).reason
    (folder_line.folder / "down").unlink()
    assert resubmit_due(now=later(60)) == 1 and job_of(message).attempt == 2


def test_a_retry_the_line_cannot_take_for_a_day_fails_with_the_reason(fax_app, folder_line, users):
    from chapar_fax.faxes import resubmit_due

    message = busy_while_the_line_is_down(fax_app, folder_line, users)
    assert resubmit_due(now=later(60 * 23)) == 0 and job_of(message).state == "retry"  # still trying
    assert resubmit_due(now=later(60 * 25)) == 0
    final = Message.get_by_id(message.id)
    assert final.status == "failed" and "for 24 hours" in final.error and "down" in final.error
    assert job_of(message).state == "failed" and resubmit_due(now=later(60 * 48)) == 0


def test_only_the_line_that_sent_a_fax_reports_on_it(fax_app, folder_line, folder_transport, users, tmp_path):
    from chapar_fax.faxes import report
    from chapar_fax.transports.base import FaxStatus

    other = make_line("folder", {"folder": str(tmp_path)}, name="other line", is_default=False)
    program = fax_program(users, folder_line, add_fax_contacts(1))
    send_all(fax_app, program, users)
    message = messages(program)[e164(0)]
    job = job_of(message).provider_id
    assert report(other, [FaxStatus(job, "delivered")]) == []
    assert report(folder_line, [FaxStatus("job-unknown", "delivered")]) == []  # logged and ignored
    assert report(folder_line, [FaxStatus(job, "exploded"), "nonsense"]) == []  # no such outcome: ignored
    assert Message.get_by_id(message.id).status == "sent"
    assert len(report(folder_line, [FaxStatus(job, "delivered")])) == 1
    assert Message.get_by_id(message.id).status == "delivered"


def test_the_periodic_tick_polls_lines_and_resubmits_due_retries(fax_app, folder_line, users):
    from chapar_fax.faxes import tick

    program = fax_program(users, folder_line, add_fax_contacts(1))
    send_all(fax_app, program, users)
    message = messages(program)[e164(0)]
    outcomes(folder_line, **{job_of(message).provider_id: ["delivered", "", 1]})
    assert tick() == {"reports": 1, "resubmitted": 0, "stranded": 0}
    assert Message.get_by_id(message.id).status == "delivered"


def test_retries_wait_while_the_program_is_paused_and_stop_when_it_is_cancelled(fax_app, folder_line, users):
    from chapar import Program
    from chapar_fax.faxes import report, resubmit_due
    from chapar_fax.transports.base import FaxStatus

    program = fax_program(users, folder_line, add_fax_contacts(1))
    send_all(fax_app, program, users)
    message = messages(program)[e164(0)]
    report(folder_line, [FaxStatus(job_of(message).provider_id, "busy")])
    Program.update(status="paused").where(Program.id == program.id).execute()
    assert resubmit_due(now=later(6)) == 0 and job_of(message).state == "retry"
    Program.update(status="cancelled").where(Program.id == program.id).execute()
    assert resubmit_due(now=later(60)) == 0
    assert Message.get_by_id(message.id).status == "failed" and not (folder_line.folder / f"chapar-{message.id}-2.pdf").exists()
