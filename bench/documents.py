"""Document figures: personalised one-page letters through the print plugin's real path, against
plain WeasyPrint rendering the same HTML in the same run (the ceiling).

    python bench/documents.py [--size 1000] [--workers 1 2] [--py-spy FILE]

Needs the print plugin (pip install -e plugins/chapar-print). Untimed: contacts with postal
addresses, the channel's settings (sender, letterhead), a program on the `print` channel (a letter
with merge tags and a personalised QR code link), `chapar worker` processes started and idle.
Timed: launch() until the program is "sent" — every letter claimed, rendered by render_pdf, its
pages counted and the PDF written to the batch folder — for one worker, then two. Worker RSS is
sampled every 0.1 s: its peak up to the moment a quarter, half and all of the letters are
rendered, to show it stays flat. Then the merged print file of the first quarter, half and all of
the letters is written in a fresh process each, with that process's peak RSS.
Ceiling: the same letters' HTML (letters.letter_html, the same CSS and Vazirmatn fonts), built
beforehand, rendered with plain WeasyPrint (one FontConfiguration) in one process. Target (issue 7):
at least 0.8 of plain WeasyPrint per core.
"""
import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT / "tests")]

import channel_run as _run  # bench/ is on the path only now
import send as _send

BODY = ("<p>Dear {{ contact.first_name }} {{ contact.last_name }},</p>"
        "<p>Our spring collection is in the shop from today: linen shirts, cotton dresses and light jackets, "
        "with twenty per cent off everything for our customers in {{ contact.city }} until the end of the month.</p>"
        "<p>Bring this letter, or scan the code below, and we will add a small gift to your order.</p>"
        "<p>With warm regards,<br>The Chapar Shop team</p>")
QR = "https://shop.example/r/{{ links.ref }}"
SETTINGS = {"sender_name": "Chapar Shop", "return_address": "12 Valiasr St\nTehran 1513", "postage": "0.5",
            "public_url": "https://chapar.example",  # QR codes tracked: each letter stores its link
            "letterhead": "Chapar Shop\n12 Valiasr St, Tehran · shop.example · +98 21 5555 0100"}
CONTENT = {"body": BODY, "page_size": "A4", "address_window": "din-b", "margins": 20, "qr_url": QR}


def person(i):
    return {"first_name": f"Person{i}", "last_name": "Bench", "address_line1": f"{i + 1} Main Street",
            "city": "Springfield", "postal_code": f"{10000 + i}", "country": "US", "consent_print": "subscribed"}


def prepare(scratch, size):
    from chapar.campaigns import save_campaign
    from chapar.channels.registry import save_channel_settings
    from chapar.programs import save_program

    context = _run.open_app(scratch)
    assert save_channel_settings("print", SETTINGS) == {}
    ids = _run.add_people([person(i) for i in range(size)])
    program = save_program({"name": "Spring letters", "channel": "print", "variants": {"": CONTENT},
                            "audience": {"include": [], "exclude": [], "contacts": ids}, "cost_per_unit": "0.1"},
                           campaign=save_campaign({"name": "Bench"}))
    assert program.status == "ready", program.status
    return context, program


class RssAtProgress:
    """Samples the workers' RSS and the letters written; the peak RSS (largest worker) seen by the
    time each checkpoint's number of letters was reached."""

    def __init__(self, pids, folder, checkpoints):
        import psutil

        self.processes = [psutil.Process(pid) for pid in pids]
        self.folder, self.checkpoints = folder, checkpoints
        self.peak, self.at = 0.0, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self):
        self.peak = max(self.peak, max(p.memory_info().rss for p in self.processes) / 2**20)
        done = sum(1 for entry in os.scandir(self.folder) if entry.name[0].isdigit()) if self.folder.is_dir() else 0
        for mark in self.checkpoints:
            if done >= mark and mark not in self.at:
                self.at[mark] = self.peak

    def _run(self):
        while not self._stop.wait(0.1):
            self.sample()

    def cpu(self):
        """CPU seconds (user + system) the workers have used so far."""
        return sum(sum(p.cpu_times()[:2]) for p in self.processes)

    def __enter__(self):
        self.sample()
        self.idle = self.peak
        self.cpu_start = self.cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()
        self.cpu_used = self.cpu() - self.cpu_start


def send_case(size, worker_count, workdir, profile=None, merges=()):
    """Letters/s from launch to sent, pages, worker RSS at the checkpoints, and the merge figures."""
    from chapar.models import Message, Program
    from chapar.programs import launch
    from chapar.queue import get_redis
    from rq import Worker

    scratch = _send.Scratch("sqlite", workdir)
    context = workers = spy = None
    try:
        context, program = prepare(scratch, size)
        workers = _send.Processes(_send.chapar_env(scratch.home, DATABASE_URL=scratch.database_url,
                                                   REDIS_URL=scratch.redis_url), scratch.home / "logs")
        for n in range(worker_count):
            workers.start_worker(f"bench-{n + 1}")
        _send.wait_for(lambda: len(Worker.all(connection=get_redis())) >= worker_count, 60, "the workers listen")
        time.sleep(1)  # past start-up: the idle RSS is the steady one
        pids = [p.pid for p in workers.running.values()]
        folder = scratch.home / "print" / f"program-{program.id}"
        with RssAtProgress(pids, folder, [size // 4, size // 2, size]) as rss:
            spy = _send.py_spy(pids[0], profile) if profile else None
            started = time.perf_counter()
            assert launch(program).queued == size
            _send.wait_for(lambda: Program.select(Program.status).where(Program.id == program.id).scalar() == "sent",
                           3600, "the program is sent", every=0.01)
            seconds = time.perf_counter() - started
        if spy:
            spy.send_signal(2)
            spy.wait(timeout=60)
        sent = Message.select().where((Message.program == program) & (Message.status == "sent"))
        assert sent.count() == size, f"{sent.count()} of {size} sent; see {scratch.home / 'logs'}"
        pages = sum(m.units for m in sent)
        merged = [merge_in_child(scratch, program.id, count) for count in merges]
        return {"seconds": seconds, "pages": pages, "idle": rss.idle, "peak": rss.peak, "at": rss.at, "cpu": rss.cpu_used,
                "merged": merged}
    finally:
        if workers:
            workers.stop_all()
            workers.close()
        if context:
            _run.close_app(context)
        scratch.close()


def merge_in_child(scratch, program_id, count):
    """(letters, pages, seconds, peak RSS MB) of merging the first `count` letters in a new process."""
    answer = subprocess.run([sys.executable, __file__, "--merge-child", json.dumps(
        {"home": str(scratch.home), "database_url": scratch.database_url, "redis_url": scratch.redis_url,
         "program": program_id, "count": count})], capture_output=True, text=True, check=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def merge_child(arguments):
    from chapar import create_app
    from chapar_print.batch import merge_letters
    from chapar_print.store import rendered_letters

    app = create_app({"HOME": arguments["home"], "DATABASE_URL": arguments["database_url"],
                      "REDIS_URL": arguments["redis_url"], "LOG_LEVEL": "WARNING"})
    with app.app_context():
        only = {message_id for message_id, _path in rendered_letters(arguments["program"])[:arguments["count"]]}
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        with tempfile.TemporaryFile() as handle:
            letters, pages = merge_letters(arguments["program"], handle, duplex=True, only=only)
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"letters": letters, "pages": pages, "seconds": seconds, "before": before, "peak": peak}))


def ceiling_child(size):
    """Pages/s of plain WeasyPrint on the same letters' HTML, one process, printed as JSON."""
    from chapar_print.letters import CSS as LETTER_CSS
    from chapar_print.letters import letter_html, page_css
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts_folder = ROOT / "webui" / "static" / "vendor" / "vazirmatn"
    faces = "".join(f'@font-face {{ font-family: "Vazirmatn"; src: url("{(fonts_folder / name).as_uri()}"); '
                    f"font-weight: {weight}; }}" for name, weight in (("Vazirmatn-Regular.ttf", 400),
                                                                      ("Vazirmatn-Bold.ttf", 700)))
    documents = []
    for i in range(size):
        p = person(i)
        content = dict(CONTENT, body=BODY.replace("{{ contact.first_name }}", p["first_name"])
                       .replace("{{ contact.last_name }}", p["last_name"]).replace("{{ contact.city }}", p["city"]),
                       qr_url=QR.replace("{{ links.ref }}", f"chapar-{i + 1}"),
                       qr_code_url=f"https://chapar.example/print/q/{i + 1}.{'x' * 16}")  # as long as the real one
        address = f"{p['first_name']} {p['last_name']}\n{p['address_line1']}\n{p['postal_code']} {p['city']}\nUS"
        documents.append(letter_html(content, address, SETTINGS, "en"))
    font_config = FontConfiguration()
    sheets = [CSS(string=css, font_config=font_config) for css in (faces, LETTER_CSS, page_css(CONTENT, False))]
    started, cpu = time.perf_counter(), time.process_time()
    pages = 0
    for html in documents:
        document = HTML(string=html).render(stylesheets=sheets, font_config=font_config)
        pages += len(document.pages)
        document.write_pdf(io.BytesIO())
    print(json.dumps({"pages": pages, "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}))


def ceiling(size):
    """(pages/s, pages per CPU second) of plain WeasyPrint, in a fresh process."""
    answer = subprocess.run([sys.executable, __file__, "--ceiling-child", str(size)], capture_output=True,
                            text=True, check=True)
    figures = json.loads(answer.stdout.strip().splitlines()[-1])
    return figures["pages"] / figures["seconds"], figures["pages"] / figures["cpu"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--py-spy", dest="profile", help="collapsed stacks of worker 1 (first case) to FILE")
    parser.add_argument("--merge-child", help=argparse.SUPPRESS)
    parser.add_argument("--ceiling-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.merge_child:
        return merge_child(json.loads(args.merge_child))
    if args.ceiling_child:
        return ceiling_child(args.ceiling_child)
    print(f"# Documents benchmark — {time.strftime('%Y-%m-%d %H:%M')} — {_send.machine()}")
    print(f"# load average at the start: {os.getloadavg()[0]:.1f}; {args.size:,} one-page letters, SQLite")
    workdir = tempfile.mkdtemp(prefix="chapar-bench-documents-")
    profile = args.profile
    try:
        rates = {}
        for count in args.workers:
            # Measured right before each case: the machine is shared, its load moves.
            top, top_cpu = ceiling(args.size)
            print(f"ceiling: plain WeasyPrint, one process: {top:.1f} pages/s, {top_cpu:.1f} pages per CPU second")
            merges = [args.size // 4, args.size // 2, args.size] if count == args.workers[0] else []
            f = send_case(args.size, count, workdir, profile, merges)
            profile = None
            rate = f["pages"] / f["seconds"]
            rates[count] = rate
            at = ", ".join(f"{mark:,}: {mb:.0f} MB" for mark, mb in sorted(f["at"].items()))
            print(f"{count} worker{'s' if count > 1 else ' '}: {f['pages']:,} pages in {f['seconds']:.1f} s = "
                  f"{rate:.1f} pages/s ({rate / count:.1f} per worker), ratio per core {rate / count / top:.2f}; "
                  f"{f['pages'] / f['cpu']:.1f} pages per worker CPU second, ratio {f['pages'] / f['cpu'] / top_cpu:.2f}; "
                  f"worker RSS idle {f['idle']:.0f} MB, peak by letters rendered {at}")
            for merged in f["merged"]:
                print(f"   merged PDF of {merged['letters']:,} letters ({merged['pages']:,} pages, duplex): "
                      f"{merged['seconds']:.1f} s, process RSS {merged['before']:.0f} MB before, "
                      f"peak {merged['peak']:.0f} MB")
            sys.stdout.flush()
        if 1 in rates and len(rates) > 1:
            most = max(rates)
            print(f"scaling: {most} workers / 1 = {rates[most] / rates[1]:.2f}x")
        print(f"# load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
