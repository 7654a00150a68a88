"""The web UI's contacts list at scale: search, filters, keyset pages and bulk actions on SQLite.

    python bench/contacts_list.py [--rows 1000000] [--db /tmp/chapar-contacts-1m.db]

Builds (once, then reuses) a migrated SQLite database of fake English and Persian contacts,
filled with raw sqlite3.executemany, and prints the median time of each list query the page
runs (the page of rows plus, where shown, the capped count), then of bulk actions on a copy.
Prints figures only; it asserts nothing about time.
"""
import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIRST = ["Ali", "Sara", "Reza", "Maryam", "John", "Emma", "Mohammad", "Zahra", "David", "Olivia",
         "علی", "سارا", "رضا", "مریم", "محمد", "زهرا", "حسین", "فاطمه", "نرگس", "امیر"]
LAST = ["Ahmadi", "Karimi", "Smith", "Brown", "Rezaei", "Hosseini", "Taylor", "Moradi", "Jones", "Kazemi",
        "احمدی", "کریمی", "رضایی", "حسینی", "مرادی", "کاظمی", "محمدی", "جعفری", "نوری", "صادقی"]
TAGS = {"newsletter": 0.30, "customer": 0.10, "vip": 0.005, "rare": 0.0001}
STATUSES = ["unknown", "subscribed", "subscribed", "unsubscribed", "bounced"]
SOURCES = ["manual", "import", "import", "web_form", "api"]


def build(path, rows):
    from chapar.db import db, init_database
    from chapar.schema import migrate

    init_database(f"sqlite:///{path}")
    migrate()
    db.close()
    rnd = random.Random(7)
    start = datetime(2022, 1, 1)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=off")
    columns = ("first_name", "last_name", "email", "mobile", "company", "source", "consent_email", "consent_sms",
               "do_not_contact", "created_at", "updated_at")
    # The schema has no database defaults: every other column gets its model default here.
    blank = ("address_line1", "address_line2", "city", "region", "postal_code", "country", "job_title", "language",
             "time_zone", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
    constants = ", ".join(["''"] * len(blank) + ["'unknown'", "'unknown'"])
    sql = (f"INSERT INTO contact ({', '.join(columns + blank)}, consent_fax, consent_print) "
           f"VALUES ({', '.join('?' * len(columns))}, {constants})")
    began = time.perf_counter()
    batch = []
    for i in range(rows):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        created = start + timedelta(seconds=i * 90 + rnd.randrange(60))
        batch.append((first, last, f"user{i}.{rnd.randrange(1000)}@example{i % 50}.com", f"+9891{i:08d}",
                      rnd.choice(["", "Parsian Co", "Acme Ltd", "شرکت نوآوران"]), rnd.choice(SOURCES),
                      rnd.choice(STATUSES), rnd.choice(STATUSES), int(rnd.random() < 0.02),
                      str(created), str(created + timedelta(days=rnd.randrange(30)))))
        if len(batch) == 50_000:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)
    for position, (tag, share) in enumerate(TAGS.items(), start=1):
        conn.execute("INSERT INTO tag (id, name, created_at) VALUES (?, ?, ?)", (position, tag, str(start)))
        conn.executemany("INSERT INTO contact_tag (contact_id, tag_id) VALUES (?, ?)",
                         ((cid, position) for cid in range(1, rows + 1) if rnd.random() < share))
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    print(f"built {rows:,} contacts in {time.perf_counter() - began:.1f} s (raw executemany)")


def timed(func, repeat=5):
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000, result


def list_figures(rows):
    from chapar.models import Contact
    from chapar.webui.views.contacts_query import ContactFilter, page_of

    deep = Contact.select(Contact.id).order_by(Contact.created_at.desc(), Contact.id.desc()).offset(
        int(rows * 0.9)).scalar()
    deep_name = Contact.select(Contact.id).order_by(Contact.last_name, Contact.first_name, Contact.id).offset(
        int(rows * 0.9)).scalar()
    cases = [
        ("first page, newest first", {}, {}),
        ("page 18,000 (after a cursor 90% down)", {}, {"after": deep}),
        ("previous page from there", {}, {"before": deep}),
        ("by name, first page", {"sort": "name"}, {}),
        ("by name, 90% down", {"sort": "name"}, {"after": deep_name}),
        ("search a common name: ali", {"q": "ali"}, {}),
        ("search two words: sara کریمی", {"q": "sara کریمی"}, {}),
        ("search a name nobody has", {"q": "Zzyzx"}, {}),
        ("search an email prefix", {"q": "user4242"}, {}),
        ("search an email prefix with @", {"q": "user424242.1@"}, {}),
        ("search a whole phone, Persian digits", {"q": "۰۹۱۰۰۴۲۴۲۴۲"}, {}),
        ("search the start of a phone: 091000424", {"q": "091000424"}, {}),
        ("tag newsletter (30%)", {"tag": "newsletter"}, {}),
        ("tag rare (0.01%)", {"tag": "rare"}, {}),
        ("consent email:subscribed", {"consent": "email:subscribed"}, {}),
        ("tag vip + sms:bounced, by name", {"tag": "vip", "consent": "sms:bounced", "sort": "name"}, {}),
        ("do not contact, source api", {"dnc": "yes", "source": "api"}, {}),
    ]
    print(f"\n{'list query':48} {'page ms':>8} {'count ms':>9}  matches")
    for label, args, cursor in cases:
        contact_filter = ContactFilter.from_args(args)
        page_ms, page = timed(lambda: page_of(contact_filter, **cursor))
        count_ms, (count, more) = timed(lambda: contact_filter.count())
        shown = f"{count:,}{'+' if more else ''}"
        print(f"{label:48} {page_ms:8.1f} {count_ms:9.1f}  {shown} ({len(page.items)} on the page)")
    exact_ms, total = timed(lambda: Contact.select().count())
    print(f"{'exact count of every contact (not used by the page)':48} {exact_ms:8.1f}            {total:,}")


def bulk_figures():
    from chapar.contacts.bulk_edit import consent_selection, delete_selection, tag_selection, untag_selection
    from chapar.db import db
    from chapar.webui.views.contacts_query import ContactFilter

    def once(label, func):
        began = time.perf_counter()
        with db.atomic():
            result = func()
        print(f"{label:48} {(time.perf_counter() - began) * 1000:8.0f} ms  ({result})")

    print("\nbulk action on every match (one run each, on a copy)")
    customers = ContactFilter.from_args({"tag": "customer"}).selection()
    once("tag 10% (100k) as 'spring'", lambda: len(tag_selection(customers, ["spring"])))
    once("untag them", lambda: untag_selection(customers, ["spring"]))
    once("email consent -> unsubscribed for 10%", lambda: consent_selection(
        customers, "email", "unsubscribed", "user", wording="Asked on the phone"))
    once("delete the vip tag's contacts (0.5%)", lambda: delete_selection(
        ContactFilter.from_args({"tag": "vip"}).selection()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default="/tmp/chapar-contacts-1m.db")
    options = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from chapar.db import db, init_database

    path = Path(options.db)
    if not path.exists():
        build(path, options.rows)
    init_database(f"sqlite:///{path}")
    from chapar.models import SiteSetting

    with db.connection_context():
        SiteSetting.set_value("default_country", "IR")
        list_figures(options.rows)
    copy = path.with_suffix(".bulk.db")
    shutil.copyfile(path, copy)
    init_database(f"sqlite:///{copy}")
    with db.connection_context():
        bulk_figures()
    copy.unlink()


if __name__ == "__main__":
    main()
