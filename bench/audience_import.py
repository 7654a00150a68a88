"""Import figures: CSV rows per second and peak memory, against raw sqlite3.executemany.

    python bench/audience_import.py [--rows 100000 1000000] [--keep]

For each size it writes a CSV of Persian contacts (names, email, an Iranian mobile, city,
company), then, each in a fresh subprocess on a fresh SQLite instance:
  - the import: chapar.contacts.importer.execute() on the file (read, detect, clean, upsert in
    batches, tag and record consent), timed around execute() only; its peak RSS from getrusage;
  - the ceiling: the same rows, already normalised, inserted with one sqlite3.executemany into
    the same migrated schema, the same pragmas (WAL, synchronous=normal), timed the same way.
It prints rows/s for both and their ratio, for a plain import (the same work as the ceiling) and
one that also tags every contact and records its email consent ("+extras": two more rows
written per contact). Peak RSS is the child's whole life (start-up included: argon2's dummy
hash alone briefly takes 64 MB) and, apart, the import's own (VmHWM reset just before it).
Targets (issue 3): ratio >= 0.3, peak RSS < 150 MB at 1M rows.
"""
import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIRST = ["علی", "مریم", "رضا", "زهرا", "حسین", "فاطمه", "محمد", "سارا", "مهدی", "نگار"]
LAST = ["رضایی", "احمدی", "کریمی", "حسینی", "محمدی", "موسوی", "جعفری", "صادقی"]
CITIES = ["تهران", "شیراز", "اصفهان", "تبریز", "مشهد", "Karaj"]


def write_csv(path, rows):
    rng = random.Random(rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["نام", "نام خانوادگی", "ایمیل", "موبایل", "شهر", "شرکت"])
        for n in range(rows):
            out.writerow([rng.choice(FIRST), rng.choice(LAST), f"User.{n}@Example.com", f"0912{n:07d}",
                          rng.choice(CITIES), f"شرکت {n % 997}"])


def _app(home):
    from chapar import create_app
    from chapar.db import db
    from chapar.models import SiteSetting
    from chapar.schema import migrate

    app = create_app({"HOME": str(home)})
    ctx = app.app_context()
    ctx.push()
    db.connect(reuse_if_open=True)
    migrate()
    SiteSetting.set_value("default_country", "IR")
    return app


def _reset_peak_rss():
    """Start VmHWM afresh (Linux), so the import's own peak is seen apart from start-up's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def child_import(csv_path, home, extras=False):
    """The import as `chapar contacts import` runs it; with `extras`, a tag and email consent
    for every row too (two more rows written per contact)."""
    from chapar.contacts.importer import configure, create_import, execute
    from chapar.models import Contact

    _app(home)
    job = create_import(csv_path, Path(csv_path).name, via="cli", owns_file=False)
    if extras:
        configure(job, job.settings["mapping"], "email", tags=["bench"], consent={"email": "subscribed"},
                  wording="Bench consent")
    startup_peak = _peak_rss_mb()
    reset = _reset_peak_rss()
    started = time.perf_counter()
    counts, _stopped = execute(job)
    elapsed = time.perf_counter() - started
    assert Contact.select().count() == counts.created == counts.rows, counts
    during = _peak_rss_mb() if reset else None
    return {"seconds": elapsed, "import_peak_rss_mb": during, "peak_rss_mb": max(startup_peak, during or 0)}


def child_ceiling(csv_path, home):
    """The same rows, normalised beforehand (not timed), in one executemany."""
    import sqlite3

    from chapar.contacts.importer.fastnorm import fast_email, fast_phone
    from chapar.db import db
    from chapar.models import Contact, utcnow

    _app(home)
    path = db.obj.database
    db.close()
    now = str(utcnow())
    columns = [f for f in Contact._meta.sorted_fields if f.name != "id"]
    rows = []
    with open(csv_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for first, last, email, mobile, city, company in reader:
            values = {"first_name": first, "last_name": last, "email": fast_email(email),
                      "mobile": fast_phone(mobile, "IR"), "city": city, "company": company, "source": "import",
                      "consent_email": "subscribed", "created_at": now, "updated_at": now}
            rows.append(tuple(values.get(f.column_name, f.default) for f in columns))
    sql = (f"INSERT INTO contact ({', '.join(f.column_name for f in columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=normal")
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(sql, rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return {"seconds": elapsed}


def run_child(kind, csv_path, workdir):
    home = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=workdir))
    env = {**os.environ, "CHAPAR_LOG_LEVEL": "WARNING"}
    env.pop("CHAPAR_DATABASE_URL", None)
    env.pop("CHAPAR_REDIS_URL", None)
    result = subprocess.run([sys.executable, __file__, "--child", kind, str(csv_path), str(home)], env=env,
                            capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"{kind} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def machine():
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GB RAM, " \
           f"Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per kind up to 200,000 rows (the best counts)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, csv_path, home = args.child
        if kind == "ceiling":
            figures = child_ceiling(csv_path, home)
        else:
            figures = child_import(csv_path, home, extras=kind == "import+extras")
        figures.setdefault("peak_rss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(figures))
        return
    print(f"# Import benchmark — {time.strftime('%Y-%m-%d')} — {machine()}")
    print(f"# load average at the start: {os.getloadavg()[0]:.1f}; best of {args.repeat} runs up to 200,000 rows, "
          "one run above")
    workdir = tempfile.mkdtemp(prefix="chapar-bench-import-")
    for rows in args.rows:
        csv_path = Path(workdir) / f"contacts-{rows}.csv"
        write_csv(csv_path, rows)
        size_mb = csv_path.stat().st_size / 2**20
        kinds = ("ceiling", "import", "import+extras")
        # Runs alternate between the kinds, and each kind keeps its fastest: other load on the
        # machine then slows all of them alike instead of one.
        best = {}
        for _run in range(args.repeat if rows <= 200_000 else 1):
            for kind in kinds:
                figures = run_child(kind, csv_path, workdir)
                if kind not in best or figures["seconds"] < best[kind]["seconds"]:
                    best[kind] = figures
        top = rows / best["ceiling"]["seconds"]
        print(f"{rows:>9,} rows ({size_mb:.0f} MB CSV): ceiling sqlite3.executemany {top:>9,.0f} rows/s "
              f"({best['ceiling']['seconds']:.1f} s)")
        for kind in kinds[1:]:
            ours = best[kind]
            rate = rows / ours["seconds"]
            during = ours["import_peak_rss_mb"]
            print(f"    {kind:<14} {rate:>9,.0f} rows/s ({ours['seconds']:.1f} s)  ratio {rate / top:.2f}  "
                  f"peak RSS {ours['peak_rss_mb']:.0f} MB (during the import: "
                  f"{f'{during:.0f} MB' if during else 'n/a'})")
        sys.stdout.flush()
        if not args.keep:
            csv_path.unlink()
    if not args.keep:
        subprocess.run(["rm", "-rf", workdir], check=False)

if __name__ == "__main__":
    main()
