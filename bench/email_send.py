"""Email figures: personalised emails/s end to end into a local SMTP sink, against raw smtplib
sending pre-built messages over one persistent connection to the same sink (the ceiling), and
the cost of building one message with each of the standard library's MIME APIs.

    python bench/email_send.py [--size 10000] [--workers 1 2]

Needs the email plugin installed (pip install -e plugins/chapar-email). The sink is aiosmtpd's
Sink handler in a process of its own. Untimed: contacts, a program on the `email` channel (1.5 KB
HTML, three merge tags, tracking on), `chapar worker` subprocesses started and idle. Timed:
launch() until the program is "sent". Targets (issue 5): one worker at least 0.5 of the ceiling;
two workers at least 1.7x one.
"""
import sys
from pathlib import Path

# Not called email.py (as the issue suggested): in bench/, which other benchmarks put on sys.path,
# that name would stand in for the standard library's `email` package. Keep the folder off the
# path here all the same.
BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]

import argparse
import importlib.util
import os
import shutil
import smtplib
import subprocess
import tempfile
import time
import timeit

sys.path.insert(0, str(BENCH.parent / "tests"))
from chapar_process import free_port
from sending_processes import wait_for

_spec = importlib.util.spec_from_file_location("bench_send", BENCH / "send.py")
_send = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_send)
Scratch, machine = _send.Scratch, _send.machine
_spec = importlib.util.spec_from_file_location("bench_channel_run", BENCH / "channel_run.py")
_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_run)
add_people, close_app, open_app, timed_send = _run.add_people, _run.close_app, _run.open_app, _run.timed_send

PARAGRAPH = ("<p>Our spring collection has arrived: linen shirts, light jackets and sandals for the warm days "
             "ahead. <a href=\"https://shop.example/spring\">See what is new</a>.</p>")
HTML = ("<h1>Hello {{ contact.first_name }}!</h1>" + PARAGRAPH * 6
        + "<p>{{ contact.full_name }}, we kept your size; write to us at {{ contact.email }}.</p>"
        + "<p><a href=\"https://shop.example/account\">Your account</a></p>")
CONTENT = {"": {"subject": "{{ contact.first_name }}, spring is here", "preheader": "New arrivals",
                "html": HTML}}


# aiosmtpd's Sink that offers PIPELINING, as Postfix and the big providers do (aiosmtpd itself does
# not advertise it, though it reads pipelined commands correctly).
SINK = """
import sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
class Piped(Sink):
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return responses[:-1] + ['250-PIPELINING', responses[-1]]
Controller(Piped(), hostname='127.0.0.1', port=int(sys.argv[1])).start()
while True:
    time.sleep(3600)
"""


def start_sink():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    wait_for(lambda: _answers(port), 20, "the SMTP sink answers")
    return process, port


def _answers(port):
    try:
        smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
        return True
    except OSError:
        return False


def prepare(scratch, size, port):
    from chapar.campaigns import save_campaign
    from chapar.programs import save_program

    context = open_app(scratch)
    from chapar_email.identities import SenderIdentity

    identity = SenderIdentity.create(name="Bench", host="127.0.0.1", port=port, security="none",
                                     from_name="Bench Shop", from_address="news@shop.example", max_connections=4)
    ids = add_people([{"first_name": f"Person{i}", "last_name": "Bench", "email": f"person{i}@example.test",
                       "consent_email": "subscribed"} for i in range(size)])
    program = save_program({"name": "Spring", "channel": "email", "provider": str(identity.id), "variants": CONTENT,
                            "tracking": True, "audience": {"include": [], "exclude": [], "contacts": ids}},
                           campaign=save_campaign({"name": "Bench"}))
    assert program.status == "ready", program.status
    return context, program


def run_case(size, worker_count, port, workdir):
    scratch = Scratch("sqlite", workdir)
    context = None
    try:
        context, program = prepare(scratch, size, port)
        return timed_send(scratch, program, size, worker_count, PUBLIC_URL="https://chapar.example")
    finally:
        if context:
            close_app(context)
        scratch.close()


def ceiling(size, port):
    """Messages/s of raw smtplib: the same emails, built beforehand, over one persistent connection."""
    from chapar import OutgoingMessage
    from chapar_email.identities import SenderIdentity
    from chapar_email.mime import build

    identity = SenderIdentity(id=1, name="b", host="h", from_name="Bench Shop", from_address="news@shop.example")
    built = [build(OutgoingMessage(id=i, program_id=1, contact_id=i, address=f"person{i}@example.test",
                                   content={"subject": f"Person{i}, spring is here",
                                            "html": HTML.replace("{{ contact.first_name }}", f"Person{i}")}),
                   identity, "https://c.example/u/x", "https://c.example/u/x/one-click", "mailto:u@x")
             for i in range(size)]
    smtp = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for sender, recipient, data in built:
        smtp.sendmail(sender, [recipient], data)
    elapsed = time.perf_counter() - started
    smtp.quit()
    return size / elapsed


def mime_costs():
    """Microseconds to build one personalised email with EmailMessage, compat32 and chapar_email.mime."""
    from email.message import EmailMessage
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    from chapar import OutgoingMessage
    from chapar_email.identities import SenderIdentity
    from chapar_email.mime import build, lay_out
    from chapar_email.text import html_to_text

    body = HTML.replace("{{ contact.first_name }}", "Sara")
    identity = SenderIdentity(id=1, name="b", host="h", from_name="Bench Shop", from_address="news@shop.example")
    message = OutgoingMessage(id=1, program_id=1, contact_id=1, address="sara@example.test",
                              content={"subject": "Sara, spring is here", "html": body})
    html = lay_out(body)
    text = html_to_text(body)

    def modern():
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = "Sara, spring is here", "Bench Shop <news@shop.example>", "sara@example.test"
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        return msg.as_bytes()

    def classic():
        msg = MIMEMultipart("alternative")
        msg.attach(MIMEText(text, "plain", "utf-8"))
        msg.attach(MIMEText(html, "html", "utf-8"))
        msg["Subject"], msg["From"], msg["To"] = "Sara, spring is here", "Bench Shop <news@shop.example>", "sara@example.test"
        return msg.as_bytes()

    def ours():  # layout, CSS inlining and the text part included, which the other two skip
        return build(message, identity, "https://c.example/u/x", "https://c.example/u/x/one-click", "mailto:u@x")

    return {name: timeit.timeit(fn, number=2000) / 2000 * 1e6
            for name, fn in (("EmailMessage", modern), ("compat32", classic), ("chapar_email.mime", ours))}


def signing_context():
    """An app context with a secret key: building a message signs its Message-ID and links."""
    from flask import Flask

    app = Flask(__name__)
    app.secret_key = "bench"
    return app.app_context()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    os.environ["CHAPAR_PUBLIC_URL"] = "https://chapar.example"
    print(f"# Email benchmark — {time.strftime('%Y-%m-%d')} — {machine()}")
    print(f"# load average at the start: {os.getloadavg()[0]:.1f}")
    with signing_context():
        costs = mime_costs()
    print("MIME build, µs per message: " + ", ".join(f"{k} {v:.0f}" for k, v in costs.items())
          + " (chapar_email.mime includes layout, CSS inlining and the text part)")
    sink, port = start_sink()
    workdir = tempfile.mkdtemp(prefix="chapar-bench-email-")
    try:
        with signing_context():
            top = ceiling(args.size, port)
        print(f"ceiling: raw smtplib, one connection, pre-built messages: {top:,.0f} msg/s")
        rates = {}
        for count in args.workers:
            rates[count] = run_case(args.size, count, port, workdir)
            print(f"{args.size:,} personalised emails (tracking on), {count} worker{'s' if count > 1 else ''}: "
                  f"{rates[count]:,.0f} msg/s, ratio to the ceiling {rates[count] / top:.2f}")
            sys.stdout.flush()
        if 1 in rates and len(rates) > 1:
            most = max(rates)
            print(f"{most} workers / 1 = {rates[most] / rates[1]:.2f}x")
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
