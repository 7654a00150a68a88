"""What a program costs: estimated before launch from a sample of rendered messages, actual after
from each message's units."""
from dataclasses import dataclass
from decimal import Decimal

from peewee import fn

from ..models import Message, Program

SAMPLE = 20  # contacts rendered to estimate units per message (SMS segments vary with names)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class CostEstimate:
    recipients: int
    units_per_message: float
    total_units: int
    cost: Decimal  # units × cost per unit + recipients × cost per piece (postage) + the fixed cost
    warnings: tuple = ()


def estimate(program, channel, recipients=None):
    """CostEstimate for `program` as it stands (recipients: the audience size if already known)."""
    from ..channels import channel_settings
    from ..sending.render import sample_estimates  # rendering needs the templating sandbox
    from .audience import summary

    if recipients is None:
        recipients = summary(program, channel)["queued"]
    estimates = sample_estimates(program, channel, SAMPLE)
    per_message = (sum(e.units for e in estimates) / len(estimates)) if estimates else 1.0
    warnings = tuple(dict.fromkeys(w for e in estimates for w in e.warnings))
    total_units = round(per_message * recipients)
    per_piece = Decimal(str(channel.cost_per_piece(channel_settings(channel.identifier)) or 0))
    cost = (Decimal(total_units) * Decimal(program.cost_per_unit or 0) + per_piece * recipients
            + Decimal(program.fixed_cost or 0))
    return CostEstimate(recipients, per_message, total_units, cost.quantize(CENT), warnings)


# Paid for: every message the provider accepted (sent_at is set), whatever its receipt said later,
# and the uncertain ones it may have taken.
SPENT = Message.sent_at.is_null(False) | (Message.status == "uncertain")


def actual_cost(program):
    """Money spent so far: every message handed to the provider, plus the fixed cost once sending began."""
    spent = (Message.select(fn.COALESCE(fn.SUM(Message.cost), 0))
             .where((Message.program == program) & SPENT).scalar())
    fixed = Decimal(program.fixed_cost or 0) if program.started_at else Decimal(0)
    return (Decimal(str(spent or 0)) + fixed).quantize(CENT)


def spent_units(program):
    """Units (SMS segments, pages…) of every message paid for so far."""
    return (Message.select(fn.COALESCE(fn.SUM(Message.units), 0))
            .where((Message.program == program) & SPENT).scalar()) or 0


def spend_by_campaign(campaign_ids):
    """{campaign id: spend} for a page of campaigns, in two queries."""
    spent = dict((Message.select(Program.campaign, fn.COALESCE(fn.SUM(Message.cost), 0))
                  .join(Program).where(Program.campaign.in_(campaign_ids or [0])
                                       & SPENT)
                  .group_by(Program.campaign).tuples()))
    fixed = dict((Program.select(Program.campaign, fn.SUM(Program.fixed_cost))
                  .where(Program.campaign.in_(campaign_ids or [0]) & Program.started_at.is_null(False))
                  .group_by(Program.campaign).tuples()))
    return {cid: (Decimal(str(spent.get(cid) or 0)) + Decimal(str(fixed.get(cid) or 0))).quantize(CENT)
            for cid in campaign_ids}


