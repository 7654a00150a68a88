"""A fax program through a HylaFAX line, end to end: the channel renders each letter, the worker
submits it to the private HylaFAX (hylafax_support.py), and the periodic poll follows the job
until HylaFAX ends it. With no modem, the end reachable here is a job killed as faxrm does.
"""
import fax_support
from chapar import Message
from chapar_fax.faxes import poll_lines
from chapar_fax.lines import FaxJob
from fax_support import add_fax_contacts, e164, fax_program, make_line, send_all
from hylafax_support import hylafax_server  # noqa: F401
from PIL import Image

fax_plugin, fax_app = fax_support.fax_plugin, fax_support.fax_app  # the fixtures this module uses


def test_a_program_through_hylafax_is_queued_there_and_followed_to_its_end(hylafax, fax_app, users):
    line = make_line("hylafax", hylafax.settings, sender="+982188000000")
    program = fax_program(users, line, add_fax_contacts(2))
    send_all(fax_app, program, users)
    jobs = {job.message.address: job for job in FaxJob.select().join(Message).where(Message.program == program.id)}
    assert set(jobs) == {e164(0), e164(1)}
    for number, job in jobs.items():
        queued = hylafax.wait_for(job.provider_id, lambda queued: queued.get("state") not in (None, "1"))
        assert queued["number"] == number and queued["tsi"] == "+982188000000"
        # What HylaFAX holds is the letter the channel rendered, as a fax TIFF.
        with Image.open(hylafax.spool / queued["tiff"].split("::", 1)[1]) as image:
            assert tuple(round(d) for d in image.info["dpi"]) == (204, 196)
    assert poll_lines() == 0  # both wait for a modem: nothing to report yet
    assert {Message.get_by_id(job.message_id).status for job in jobs.values()} == {"sent"}

    killed = jobs[e164(1)]
    hylafax.kill(killed.provider_id)
    hylafax.wait_for(killed.provider_id, lambda queued: queued.get("state") == "8")
    assert poll_lines() == 1
    failed = Message.get_by_id(killed.message_id)
    assert failed.status == "failed" and "Job aborted by request" in failed.error
    assert Message.get_by_id(jobs[e164(0)].message_id).status == "sent"
