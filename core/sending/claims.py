"""Claiming messages under a lease and writing results back: the SQL of exactly-once.

Every state change is guarded by the claim's token, so a worker that lost its lease (it was too
slow, or was presumed dead) can never overwrite what another worker did since.
"""
import random
import sqlite3
from collections import namedtuple
from datetime import timedelta
from decimal import Decimal

from ..db import db, executemany, fetch, is_postgres, marks, quoted, write
from ..models import CONSENT_COLUMNS, contact_rows, utcnow
from ..templating import CONTACT_FIELDS

# The hot path reads and writes with plain SQL into light rows: peewee's query builder (an IN list
# of hundreds of ids) and model instances cost more per message than the queries themselves.
# The `<> ''` lets both engines use the partial lease-token index.
OURS = '"lease_token" = ? AND "lease_token" <> \'\''

# What a chunk needs of a claimed message (Renderer.outgoing, attempts, the contact).
ClaimedMessage = namedtuple("ClaimedMessage", "id contact_id address language attempts")

_CONTACT_COLUMNS = ("id", "do_not_contact", *CONSENT_COLUMNS, *(f for f in CONTACT_FIELDS if f != "full_name"))
_CONTACT_SELECT = f'SELECT {quoted(_CONTACT_COLUMNS)} FROM "contact"'
# A contact as the send pipeline sees it: merge fields, consent and do-not-contact.
SendingContact = contact_rows("SendingContact", _CONTACT_COLUMNS)


def claim(program_id, ids, token, lease_seconds):
    """Take the due, queued messages among `ids`; returns them (ClaimedMessage rows) in id order."""
    if not ids:
        return []
    now = utcnow()
    ids = list(ids)
    write('UPDATE "message" SET "status" = \'sending\', "lease_token" = ?, "lease_until" = ?, '
          f'"attempts" = "attempts" + 1, "updated_at" = ? WHERE "id" IN ({marks(ids)}) AND "program_id" = ? '
          'AND "status" = \'queued\' AND ("next_attempt_at" IS NULL OR "next_attempt_at" <= ?)',
          [token, now + timedelta(seconds=lease_seconds), now, *ids, program_id, now])
    rows = fetch(f'SELECT "id", "contact_id", "address", "language", "attempts" FROM "message" WHERE {OURS} '
                 'AND "status" = \'sending\' ORDER BY "id"', [token])
    return [ClaimedMessage._make(row) for row in rows]


def contacts_of(messages):
    """{contact id: SendingContact} as they are now, for a chunk about to be sent."""
    ids = list({m.contact_id for m in messages if m.contact_id})
    if not ids:
        return {}
    rows = fetch(f'{_CONTACT_SELECT} WHERE "id" IN ({marks(ids)})', ids)
    return {row[0]: SendingContact._make(row) for row in rows}


def renew(token, lease_seconds):
    now = utcnow()
    write(f'UPDATE "message" SET "lease_until" = ? WHERE {OURS} AND "status" IN (\'sending\', \'handed\')',
          [now + timedelta(seconds=lease_seconds), token])


def hand_over(token, ids):
    """Mark `ids` as given to the channel; returns the ids still ours (a lost lease drops some)."""
    if not ids:
        return []
    ids = list(ids)
    updated = write(f'UPDATE "message" SET "status" = \'handed\', "updated_at" = ? WHERE "id" IN ({marks(ids)}) '
                    f'AND {OURS} AND "status" = \'sending\'', [utcnow(), *ids, token])
    if updated == len(ids):
        return ids
    return [i for (i,) in fetch(f'SELECT "id" FROM "message" WHERE {OURS} AND "status" = \'handed\'', [token])]


def release(token, status="queued"):
    """Give back messages claimed but not handed over (pause, cancel, window closed, error)."""
    write(f'UPDATE "message" SET "status" = ?, "lease_token" = \'\', "lease_until" = NULL, "updated_at" = ?, '
          f'"attempts" = "attempts" - ? WHERE {OURS} AND "status" = \'sending\'',
          [status, utcnow(), 1 if status == "queued" else 0, token])


def skip(token, ids_by_reason):
    """Mark claimed messages skipped, with the reason, before they reach the channel."""
    now = utcnow()
    for reason, ids in ids_by_reason.items():
        write('UPDATE "message" SET "status" = \'skipped\', "reason" = ?, "lease_token" = \'\', '
              f'"lease_until" = NULL, "updated_at" = ? WHERE "id" IN ({marks(ids)}) AND {OURS} '
              'AND "status" = \'sending\'', [reason, now, *ids, token])


def backoff(attempt, retry_after=None):
    """Seconds before attempt `attempt + 1`: exponential from 10 s, capped at an hour, with jitter."""
    base = min(3600.0, 10.0 * (2 ** max(attempt - 1, 0)))
    delay = random.uniform(base / 2, base)  # full spread, so retries of a batch do not stampede
    return max(delay, float(retry_after or 0))


# SQL pieces of apply_results: the statuses a claim may still write over, clearing the claim, and
# the row of this claim (the `<> ''` matches the partial index).
HELD = "('sending', 'handed', 'uncertain')"
LET_GO = '"lease_token" = \'\', "lease_until" = NULL'
MINE = 'WHERE "id" = ? AND "lease_token" = ? AND "lease_token" <> \'\''


# The accepted messages of a chunk are written by one UPDATE joined to a VALUES list: about a third
# cheaper than a statement per message (executemany; 14.6 -> 9.1 us a message with SQLite), the
# worker's largest database write.
SENT_ROWS = 500  # messages per statement at most: 4 parameters each, well under either engine's limit


def joins_values():
    """Whether the database has UPDATE … FROM: PostgreSQL, SQLite from 3.33 (2020) on. An older
    SQLite library writes one statement per message."""
    return is_postgres() or sqlite3.sqlite_version_info >= (3, 33)


def _sent_update(provider_id, units, cost):
    """The UPDATE … SET that marks a message accepted, its provider id, units and cost taken from
    these SQL expressions. A receipt may have moved it on already, and the reconciler may have
    marked it uncertain (keeping its token): a late "accepted" still fills in what the provider said."""
    return (f'UPDATE "message" SET "status" = CASE WHEN "status" IN {HELD} THEN \'sent\' ELSE "status" END, '
            f'"provider_id" = {provider_id}, "units" = {units}, "cost" = {cost}, "sent_at" = ?, "updated_at" = ?, '
            f'"error" = CASE WHEN "status" IN {HELD} THEN \'\' ELSE "error" END, {LET_GO}')


_SENT_ONE = f"{_sent_update('?', '?', '?')} {MINE}"
_SENT_JOINED = (_sent_update('"v"."provider_id"', '"v"."units"', '"v"."cost"')
                + ' FROM "v" WHERE "message"."id" = "v"."id" AND "lease_token" = ? AND "lease_token" <> \'\'')


def _write_sent(token, sent, now):
    """Mark `sent` — (message id, provider id, units, cost) — sent, where still held under `token`."""
    if not joins_values():
        executemany(_SENT_ONE, [(provider_id, used, cost, now, now, message_id, token)
                                for message_id, provider_id, used, cost in sent])
        return
    for start in range(0, len(sent), SENT_ROWS):
        rows = sent[start:start + SENT_ROWS]
        # The casts type the VALUES columns for PostgreSQL, which reads a quoted literal as text.
        values = ", ".join(["(?, ?, ?, CAST(? AS NUMERIC))"] * len(rows))
        write(f'WITH "v" ("id", "provider_id", "units", "cost") AS (VALUES {values}) {_SENT_JOINED}',
              [value for row in rows for value in row] + [now, now, token])


def apply_results(token, results, units, cost_per_unit, attempts, max_attempts, per_piece=0):
    """Write SendResults for messages held under `token`; returns {outcome: [ids]} and the
    transient ones' next attempt time (for a retry job). An accepted message costs its units ×
    `cost_per_unit`, plus `per_piece` (postage: Channel.cost_per_piece)."""
    now = utcnow()
    sent, failed, retry = [], [], []
    outcome_ids = {"accepted": [], "permanent": [], "transient": [], "gave_up": [], "uncertain": []}
    next_at = None
    for result in results:
        if result.outcome == "accepted":
            used = result.units if result.units is not None else units.get(result.message_id, 1)
            cost = Decimal(used) * Decimal(cost_per_unit or 0) + Decimal(per_piece or 0)
            sent.append((result.message_id, result.provider_id[:200], used, str(cost)))
            outcome_ids["accepted"].append(result.message_id)
        elif result.outcome == "transient" and attempts.get(result.message_id, 1) < max_attempts:
            when = now + timedelta(seconds=backoff(attempts.get(result.message_id, 1), result.retry_after))
            next_at = when if next_at is None else min(next_at, when)
            retry.append((result.error[:2000], when, now, result.message_id, token))
            outcome_ids["transient"].append(result.message_id)
        else:
            reason = result.outcome if result.outcome in ("permanent", "uncertain") else "gave_up"
            error = result.error if reason != "gave_up" else f"gave up after {max_attempts} attempts: {result.error}"
            status = "uncertain" if reason == "uncertain" else "failed"
            failed.append((status, reason, error[:2000], now, now, result.message_id, token))
            outcome_ids[reason].append(result.message_id)
    with db.atomic():
        _write_sent(token, sent, now)
        executemany('UPDATE "message" SET "status" = \'queued\', "error" = ?, "next_attempt_at" = ?, '
                    f'"updated_at" = ?, {LET_GO} {MINE} AND "status" IN (\'sending\', \'handed\')', retry)
        executemany('UPDATE "message" SET "status" = ?, "reason" = ?, "error" = ?, "failed_at" = ?, "updated_at" = ?, '
                    f'{LET_GO} {MINE} AND "status" IN {HELD}', failed)
    return outcome_ids, next_at
