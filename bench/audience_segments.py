"""Segment count and id listing at scale, on SQLite and PostgreSQL, beside hand-written SQL.

    python bench/audience_segments.py [--sizes 100000,1000000] [--engines sqlite,postgres]
        [--repeat 7] [--postgres postgresql://postgres@127.0.0.1:5432/test]

For each engine and size it builds a migrated database — SQLite in a temporary folder, PostgreSQL
in a scratch database created on the --postgres server and dropped afterwards — fills it with raw
executemany (SQLite) or COPY (PostgreSQL), and times each filter below through chapar.segments
(validate + compile + run, as the API and the web UI do) and, as the ceiling measured in the same
run, the same question as hand-written SQL run straight on the driver:

  count  how many contacts match           ids   every matching id, ascending (a launch's snapshot)
  page   the first 50 members by id (the segment page)

Prints the median and the best of --repeat runs (after one warm-up) and ours / ceiling for each (on
a busy machine the best is the steadier figure). Asserts nothing about time; it does check that
both give the same answer.
"""
import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
CITIES = ["Tehran"] * 12 + ["Shiraz", "Isfahan", "Tabriz", "Mashhad", "Karaj", "Qom", "Ahvaz", "Kerman", "Rasht",
                            "تهران", "شیراز", "اصفهان"] * 7 + ["Berlin", "London", "Dubai", ""]
TAGS = {"vip": 0.10, "newsletter": 0.30, "customer": 0.08, "rare": 0.0001}
STATUSES = ["subscribed"] * 9 + ["unknown"] * 6 + ["unsubscribed"] * 4 + ["bounced"]
THREE = {"all": [{"op": "has_tag", "value": "vip"}, {"field": "city", "op": "eq", "value": "Tehran"},
                 {"field": "consent.email", "op": "eq", "value": "subscribed"}]}
THREE_SQL = ("FROM contact c JOIN contact_tag ct ON ct.contact_id = c.id "
             "WHERE ct.tag_id = {p} AND c.city = {p} AND c.consent_email = {p}")
CUSTOM = {"all": [{"op": "has_tag", "value": "customer"}, {"field": "custom.score", "op": "gte", "value": 90},
                  {"field": "created_at", "op": "within_days", "value": 365}]}
CUSTOM_SQL = ("FROM contact c JOIN contact_tag ct ON ct.contact_id = c.id "
              "JOIN contact_field_value v ON v.contact_id = c.id "
              "WHERE ct.tag_id = {p} AND v.field_id = {p} AND v.number_value >= {p} AND c.created_at >= {p}")
NOW = datetime(2025, 6, 1)
_BLANK = ("address_line1", "address_line2", "region", "postal_code", "country", "company", "job_title", "language",
          "time_zone", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "consent_fax",
          "consent_print")
COLUMNS = ("first_name", "last_name", "email", "city", "source", "do_not_contact", "consent_email", "consent_sms",
           "created_at", "updated_at") + _BLANK


def contact_rows(size, rnd):
    for i in range(size):
        created = NOW - timedelta(days=rnd.randrange(1500), seconds=rnd.randrange(86400))
        yield (f"First{i % 997}", f"Last{i % 991}", f"user{i}@example{i % 50}.com", rnd.choice(CITIES), "import",
               False, rnd.choice(STATUSES), rnd.choice(STATUSES), created, created + timedelta(days=rnd.randrange(9)),
               *([""] * 14), "unknown", "unknown")


def tag_rows(size, rnd):
    for contact in range(1, size + 1):
        for tag_id, share in enumerate(TAGS.values(), start=1):
            if rnd.random() < share:
                yield contact, tag_id


def score_rows(size, rnd):
    return ((contact, 1, float(rnd.randrange(100))) for contact in range(1, size + 1) if rnd.random() < 0.5)


def fill_sqlite(path, size):
    rnd = random.Random(size)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=off")
    marks = ", ".join("?" * len(COLUMNS))
    with conn:
        conn.executemany(f"INSERT INTO contact ({', '.join(COLUMNS)}) VALUES ({marks})",
                         ((*row[:8], str(row[8]), str(row[9]), *row[10:]) for row in contact_rows(size, rnd)))
        conn.executemany("INSERT INTO tag (name, created_at) VALUES (?, ?)", [(t, str(NOW)) for t in TAGS])
        conn.executemany("INSERT INTO contact_tag (contact_id, tag_id) VALUES (?, ?)", tag_rows(size, rnd))
        conn.execute("INSERT INTO custom_field (key, label, kind, choices_json, position, created_at) "
                     "VALUES ('score', 'Score', 'number', '[]', 0, ?)", (str(NOW),))
        conn.executemany("INSERT INTO contact_field_value (contact_id, field_id, number_value) VALUES (?, ?, ?)",
                         score_rows(size, rnd))
    conn.close()  # no ANALYZE: Chapar never runs it on SQLite, so neither does the benchmark


def fill_postgres(url, size):
    import psycopg

    rnd = random.Random(size)
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.cursor().copy(f"COPY contact ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in contact_rows(size, rnd):
                copy.write_row(row)
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO tag (name, created_at) VALUES (%s, %s)", [(t, NOW) for t in TAGS])
            with cur.copy("COPY contact_tag (contact_id, tag_id) FROM STDIN") as copy:
                for row in tag_rows(size, rnd):
                    copy.write_row(row)
            cur.execute("INSERT INTO custom_field (key, label, kind, choices_json, position, created_at) "
                        "VALUES ('score', 'Score', 'number', '[]', 0, %s)", (NOW,))
            with cur.copy("COPY contact_field_value (contact_id, field_id, number_value) FROM STDIN") as copy:
                for row in score_rows(size, rnd):
                    copy.write_row(row)
            cur.execute("VACUUM ANALYZE")  # autovacuum would, minutes later


def timed(func, repeat):
    """(median seconds, best seconds, result) of `repeat` calls after a warm-up."""
    func()  # warm-up: caches, the plan, the page cache
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - began)
    return statistics.median(times), min(times), result


def measure(engine, url, size, repeat, raw):
    from chapar.db import db, database_from_url
    from chapar.models import Contact
    from chapar.segments import compile_filter

    db.initialize(database_from_url(url))
    db.connect(reuse_if_open=True)
    mark = "?" if engine == "sqlite" else "%s"
    rows = []
    filters = (("tag + city + consent", THREE, THREE_SQL, ("vip", "Tehran", "subscribed")),
               ("tag + custom number + created", CUSTOM, CUSTOM_SQL, ("customer", "score", 90, NOW - timedelta(365))))
    for label, tree, sql, params in filters:
        ids = {"vip": 1, "customer": 3, "score": 1}
        raw_params = [ids.get(p, p) if isinstance(p, str) else p for p in params]
        if engine == "sqlite":
            raw_params = [str(p) if isinstance(p, datetime) else p for p in raw_params]
        body = sql.format(p=mark)

        def query():
            return Contact.select(Contact.id).where(compile_filter(tree, now=NOW))

        cases = {
            "count": (lambda: query().count(), f"SELECT COUNT(*) {body}", "one"),
            "ids": (lambda: [r[0] for r in query().order_by(Contact.id).tuples()], f"SELECT c.id {body} ORDER BY c.id",
                    "all"),
            "page": (lambda: [r[0] for r in query().order_by(Contact.id).limit(50).tuples()],
                     f"SELECT c.id {body} ORDER BY c.id LIMIT 50", "all"),
        }
        for name, (ours, text, shape) in cases.items():
            ours_median, ours_best, ours_result = timed(ours, repeat)
            ceiling_median, ceiling_best, ceiling_result = timed(lambda t=text, s=shape: raw(t, raw_params, s), repeat)
            found = ours_result if name == "count" else len(ours_result)
            expected = ceiling_result if name == "count" else len(ceiling_result)
            assert found == expected, (label, name, found, expected)  # same answer, or the figure means nothing
            rows.append((engine, size, label, name, found, ours_median, ceiling_median, ours_best, ceiling_best))
    db.close()
    return rows


def run_sqlite(size, repeat):
    from chapar.db import db, init_database
    from chapar.schema import migrate

    folder = tempfile.mkdtemp(prefix="chapar-bench-")
    path = os.path.join(folder, "bench.db")
    init_database(f"sqlite:///{path}")
    migrate()
    db.close()
    began = time.perf_counter()
    fill_sqlite(path, size)
    print(f"  sqlite {size:,}: filled in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    conn = sqlite3.connect(path)

    def raw(sql, params, shape):
        cursor = conn.execute(sql, params)
        return cursor.fetchone()[0] if shape == "one" else cursor.fetchall()

    try:
        return measure("sqlite", f"sqlite:///{path}", size, repeat, raw)
    finally:
        conn.close()
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
        os.rmdir(folder)


def run_postgres(base, size, repeat):
    import psycopg

    from chapar.db import db, init_database
    from chapar.schema import migrate

    name = f"chapar_bench_{os.getpid()}_{size}"
    url = urlparse(base)._replace(path="/" + name).geturl()
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        init_database(url)
        migrate()
        db.close()
        began = time.perf_counter()
        fill_postgres(url, size)
        print(f"  postgres {size:,}: filled in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        with psycopg.connect(url, autocommit=True) as conn:
            def raw(sql, params, shape):
                cursor = conn.execute(sql, params)
                return cursor.fetchone()[0] if shape == "one" else cursor.fetchall()

            return measure("postgres", url, size, repeat, raw)
    finally:
        if not db.is_closed():
            db.close()
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", default=os.environ.get("CHAPAR_TEST_POSTGRES_URL",
                                                             "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        for engine in args.engines.split(","):
            rows += run_sqlite(size, args.repeat) if engine == "sqlite" else run_postgres(args.postgres, size,
                                                                                          args.repeat)
    print(f"{'engine':9} {'contacts':>10} {'filter':31} {'query':6} {'matches':>8} | median: {'chapar':>7} "
          f"{'SQL':>7} {'ratio':>5} | best: {'chapar':>7} {'SQL':>7} {'ratio':>5}   (ms)")
    for engine, size, label, name, found, ours, ceiling, ours_best, ceiling_best in rows:
        print(f"{engine:9} {size:>10,} {label:31} {name:6} {found:>8,} |         {ours * 1000:>7.1f} "
              f"{ceiling * 1000:>7.1f} {ours / ceiling:>5.2f} |       {ours_best * 1000:>7.1f} "
              f"{ceiling_best * 1000:>7.1f} {ours_best / ceiling_best:>5.2f}")


if __name__ == "__main__":
    main()
