"""Upserting a batch of cleaned rows with a handful of set-based statements.

Per batch: one IN query for the contacts that already exist (and one for the other unique
column), one multi-row INSERT (executemany on the raw cursor) for the new ones and one query for
their ids, one executemany UPDATE for the existing ones, and executemany INSERTs for tags
(ON CONFLICT DO NOTHING), custom values (ON CONFLICT DO UPDATE) and consent records. Nothing
runs a query per row, which is what makes a million rows take seconds rather than hours.

Duplicates inside the file: the first row of a key creates (or matches) the contact and later
rows update it, their non-empty cells winning; with update_existing off, later rows are skipped.
Consent: an import only ever makes consent more restrictive (or sets it where unknown), so a
file can never re-subscribe someone who unsubscribed, bounced or complained.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from peewee import DatabaseError, SqliteDatabase

from ...db import db
from ...models import ConsentRecord, Contact, ContactFieldValue, ContactTag, utcnow
from ..consent import RESTRICTIVENESS
from ..tags import tag_ids
from .reasons import Problem

IN_CHUNK = 2000  # values per IN (...): well under SQLite's and PostgreSQL's parameter limits
_DRY_RUN_MEMORY = 500_000  # keys a dry run remembers to tell repeats from new contacts


@dataclass
class WriteOptions:
    key: str = "email"  # or "mobile": how rows find their contact
    tags: list = field(default_factory=list)  # tag names for every row
    consent: dict = field(default_factory=dict)  # channel -> status, for every row
    wording: str = ""  # the consent statement people agreed to
    update_existing: bool = True
    method: str = "import"  # ConsentRecord.method
    detail: str = ""  # ConsentRecord.detail: the file name
    source: str = "import"  # Contact.source of new contacts that do not name one
    actor_id: int = None
    dry_run: bool = False
    want_ids: bool = False  # give every row its contact id even when nothing else needs it (the API)


class _Merged:
    """One contact's changes from every row of the batch that names it."""

    __slots__ = ("existing", "values", "custom", "tags", "shared")

    def __init__(self, existing, row):
        self.existing = existing  # (id, {channel: status}) or None for a new contact
        self.values, self.custom, self.tags = row.values, row.custom, row.tags
        self.shared = True  # still the first row's own dicts: copy before merging another row in

    def add(self, row):
        if self.shared:
            self.values, self.custom, self.tags = dict(self.values), dict(self.custom), list(self.tags)
            self.shared = False
        self.values.update(row.values)
        self.custom.update(row.custom)
        self.tags.extend(row.tags)


def _quote(name):
    return f'"{name}"'


class BatchWriter:
    def __init__(self, options):
        self.options = options
        self.other = "mobile" if options.key == "email" else "email"
        self.file_tag_ids = [] if options.dry_run else list(tag_ids(options.tags).values())
        self.channels = [c for c, status in options.consent.items() if status and status != "unknown"]
        self._columns = [f for f in Contact._meta.sorted_fields if f.name != "id"]
        self._seen_new = set()

    # --- planning -------------------------------------------------------------------------

    def _lookup(self, column, values, extra=()):
        """{value: row tuple (id, value, *extra)} of contacts whose `column` is in `values`."""
        found, values = {}, list(values)
        selected = ", ".join(_quote(name) for name in ("id", column, *extra))
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start:start + IN_CHUNK]
            marks = ", ".join([db.param] * len(chunk))
            sql = f"SELECT {selected} FROM {_quote(Contact._meta.table_name)} WHERE {_quote(column)} IN ({marks})"
            for row in db.execute_sql(sql, chunk):
                found[row[1]] = row
        return found

    def _plan(self, rows):
        """Decide each row's fate, in file order; returns ({key: _Merged}, [(row, outcome, problem)],
        {key: id} of the contacts that exist)."""
        key, other, update = self.options.key, self.other, self.options.update_existing
        existing = self._lookup(key, {row.values[key] for row in rows}, [f"consent_{c}" for c in self.channels])
        other_values = {row.values[other] for row in rows if row.values.get(other)}
        owners = {value: found[0] for value, found in self._lookup(other, other_values).items()} \
            if other_values else {}
        merged, decisions, claims = {}, [], {}
        seen_new, channels = self._seen_new, self.channels
        for row in rows:
            value = row.values[key]
            found = existing.get(value)
            taken = row.values.get(other)
            if taken is not None:
                owner = owners.get(taken)
                if owner is not None and (found is None or owner != found[0]):
                    decisions.append((row, "failed", Problem("taken", other, {"id": owner})))
                    continue
                if claims.setdefault(taken, value) != value:
                    decisions.append((row, "failed", Problem("taken_in_file", other)))
                    continue
            entry = merged.get(value)
            if not update and (found or entry is not None):
                decisions.append((row, "skipped", None))
            elif entry is None:
                merged[value] = _Merged((found[0], dict(zip(channels, found[2:]))) if found else None, row)
                decisions.append((row, "updated" if found or value in seen_new else "created", None))
            else:
                entry.add(row)
                decisions.append((row, "updated", None))
        return merged, decisions, {value: found[0] for value, found in existing.items()}

    # --- writing --------------------------------------------------------------------------

    def write(self, rows):
        """Give every row of `rows` (CleanRows) its outcome and contact id; write unless a dry run.

        A database error (a concurrent edit taking an email, say) rolls the batch back and
        retries its rows one by one, so only the offending row fails.
        """
        candidates = [row for row in rows if not row.problems]
        if not candidates:
            return
        if self.options.dry_run:
            merged, decisions, ids = self._plan(candidates)
            if len(self._seen_new) < _DRY_RUN_MEMORY:
                self._seen_new.update(value for value, entry in merged.items() if entry.existing is None)
            return self._apply(decisions, ids)
        try:
            with db.atomic():
                merged, decisions, ids = self._plan(candidates)
                ids.update(self._write(merged))
        except DatabaseError as exc:
            if len(candidates) == 1:
                message = " ".join(str(exc).split())[:200]
                return self._apply([(candidates[0], "failed", Problem("database_error", params={"error": message}))],
                                   {})
            for row in candidates:
                self.write([row])
            return
        self._apply(decisions, ids)

    def _apply(self, decisions, ids):
        for row, outcome, problem in decisions:
            if problem is not None:
                row.fail(problem)
                continue
            row.outcome = outcome
            row.contact_id = ids.get(row.values[self.options.key])

    def _write(self, merged):
        """Run the statements for a planned batch; returns {key value: contact id}."""
        now = self._adapt(utcnow())
        new = {value: entry for value, entry in merged.items() if entry.existing is None}
        old = {value: entry for value, entry in merged.items() if entry.existing is not None}
        ids = {value: entry.existing[0] for value, entry in old.items()}
        if new:
            self._insert(new.values(), now)
            # New ids cost a query; only tags, consent, custom values or the caller need them.
            if self.options.want_ids or self.file_tag_ids or self.channels or \
                    any(entry.tags or entry.custom for entry in new.values()):
                ids.update({value: found[0] for value, found in self._lookup(self.options.key, new).items()})
        if old:
            self._update(old.values(), now)
        records = self._consent(new, old, ids, now)
        pairs = {(ids[value], tag) for value in merged for tag in self.file_tag_ids}
        row_tags = {name for entry in merged.values() for name in entry.tags}
        if row_tags:
            by_name = tag_ids(row_tags)
            pairs.update((ids[value], by_name[name]) for value, entry in merged.items() for name in entry.tags)
        self._executemany(ContactTag, ("contact_id", "tag_id"), sorted(pairs), "ON CONFLICT DO NOTHING")
        self._custom_values(merged, ids)
        columns = ("contact_id", "channel", "status", "previous_status", "method", "detail", "wording", "ip",
                   "user_agent", "actor_id", "created_at")
        self._executemany(ConsentRecord, columns, records)
        return ids

    def _insert(self, entries, now):
        options, consent = self.options, {f"consent_{c}": self.options.consent[c] for c in self.channels}
        fixed = {"source": options.source, "created_at": now, "updated_at": now, **consent}
        defaults = [(f.column_name, fixed.get(f.column_name, f.default)) for f in self._columns]
        columns = [column for column, _default in defaults]
        rows = [tuple([entry.values.get(column, default) for column, default in defaults]) for entry in entries]
        self._executemany(Contact, columns, rows)

    def _update(self, entries, now):
        changed = sorted({name for entry in entries for name in entry.values} - {self.options.key})
        sets = [f"{_quote(c)} = COALESCE({db.param}, {_quote(c)})" for c in changed]
        sets.append(f"{_quote('updated_at')} = {db.param}")
        sql = (f"UPDATE {_quote(Contact._meta.table_name)} SET {', '.join(sets)} "
               f"WHERE {_quote('id')} = {db.param}")
        rows = [(*(entry.values.get(c) for c in changed), now, entry.existing[0]) for entry in entries]
        db.cursor().executemany(sql, rows)

    def _consent(self, new, old, ids, now):
        """Make consent more restrictive where the file asks; returns the ConsentRecord rows.

        New contacts got their status in the INSERT; existing ones are updated here."""
        options, records = self.options, []
        for channel in self.channels:
            status = options.consent[channel]
            changes = [(ids[value], "unknown") for value in new]
            for entry in old.values():
                current = entry.existing[1][channel]
                if RESTRICTIVENESS.get(status, 0) > RESTRICTIVENESS.get(current, 0):
                    changes.append((entry.existing[0], current))
            updates = [(status, contact_id) for contact_id, before in changes[len(new):]]
            if updates:
                sql = (f"UPDATE {_quote(Contact._meta.table_name)} SET {_quote('consent_' + channel)} = {db.param}"
                       f" WHERE {_quote('id')} = {db.param}")
                db.cursor().executemany(sql, updates)
            records.extend((contact_id, channel, status, before, options.method, options.detail[:255],
                            options.wording, "", "", options.actor_id, now) for contact_id, before in changes)
        return records

    def _custom_values(self, merged, ids):
        by_column = {}
        for value, entry in merged.items():
            for custom_field, typed in entry.custom.items():
                by_column.setdefault(custom_field.value_column, []).append(
                    (ids[value], custom_field.id, self._adapt(typed)))
        for column, rows in by_column.items():
            quoted = _quote(column)
            self._executemany(ContactFieldValue, ("contact_id", "field_id", column), rows,
                              f"ON CONFLICT ({_quote('contact_id')}, {_quote('field_id')}) "
                              f"DO UPDATE SET {quoted} = excluded.{quoted}")

    @staticmethod
    def _executemany(model, columns, rows, suffix=""):
        if not rows:
            return
        marks = ", ".join([db.param] * len(columns))
        sql = (f"INSERT INTO {_quote(model._meta.table_name)} ({', '.join(_quote(c) for c in columns)}) "
               f"VALUES ({marks}) {suffix}")
        db.cursor().executemany(sql, rows)

    @staticmethod
    def _adapt(value):
        # sqlite3's own date adapters are deprecated; peewee stores these as ISO text there.
        if isinstance(value, (datetime, date)) and isinstance(db.obj, SqliteDatabase):
            return str(value)
        return value
