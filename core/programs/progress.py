"""A program's live figures: messages per status, rate and time left; a campaign's objective."""
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from peewee import fn

from ..models import DELIVERED_STATUSES, FINAL_STATUSES, MESSAGE_STATUSES, PENDING_STATUSES, EventRecord, Message, Program, utcnow

RATE_WINDOW = timedelta(seconds=60)


@dataclass(frozen=True)
class Progress:
    counts: dict  # status -> messages, every status present
    total: int  # every message row, skipped included
    done: int  # in a final state
    rate_per_minute: float  # messages finished in the last minute
    seconds_left: float | None  # at that rate; None when idle or finished

    @property
    def percent(self):
        return 100.0 if not self.total else round(100.0 * self.done / self.total, 1)

    @property
    def pending(self):
        return sum(self.counts[s] for s in PENDING_STATUSES)


def status_counts(program):
    counts = dict.fromkeys(MESSAGE_STATUSES, 0)
    counts.update(Message.select(Message.status, fn.COUNT(Message.id)).where(Message.program == program)
                  .group_by(Message.status).tuples())
    return counts


def progress(program, now=None):
    now = now or utcnow()
    counts = status_counts(program)
    total = sum(counts.values())
    done = sum(counts[s] for s in FINAL_STATUSES)
    recent = (Message.select().where((Message.program == program) & Message.status.in_(FINAL_STATUSES)
                                     & (Message.updated_at >= now - RATE_WINDOW)
                                     & (Message.status != "skipped")).count())
    pending = total - done
    seconds_left = (pending / recent * RATE_WINDOW.total_seconds()) if recent and pending else None
    return Progress(counts, total, done, float(recent), seconds_left)


# Which event or message status counts toward each objective metric.
def objective_value(campaign):
    """How far the campaign is toward its objective, in the objective's unit (a Decimal)."""
    programs = Program.select(Program.id).where(Program.campaign == campaign)
    metric = campaign.objective_metric
    if metric == "delivered":
        value = Message.select().where(Message.program.in_(programs) & Message.status.in_(DELIVERED_STATUSES))
        # Channels with receipts move messages to delivered; others count once accepted.
        return Decimal(value.count())
    names = {"responses": ("replied", "submitted"), "leads": ("lead",), "deals_won": ("deal_won",),
             "revenue": ("deal_won",)}[metric]
    events = EventRecord.select().where((EventRecord.campaign == campaign) & EventRecord.name.in_(names))
    if metric != "revenue":
        return Decimal(events.count())
    return sum((Decimal(str(e.properties.get("amount", 0) or 0)) for e in events), Decimal(0))


def objective_percent(campaign):
    if not campaign.objective_target:
        return None
    return min(100.0, float(objective_value(campaign) / Decimal(campaign.objective_target) * 100))
