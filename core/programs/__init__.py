"""Programs: one channel, one audience and one schedule inside a campaign, and their lifecycle."""
from .audience import summary as audience_summary
from .content import clean_variants, known_names, variant_for
from .costs import CostEstimate, actual_cost, estimate, spend_by_campaign, spent_units
from .lifecycle import LaunchResult, TransitionRefused, cancel, launch, pause, resume, start_sending
from .progress import Progress, objective_percent, objective_value, progress, status_counts
from .service import (ProgramBusy, ProgramLocked, clean_program_data, delete_program, save_program,
                      scheduled_local)

__all__ = ["CostEstimate", "LaunchResult", "Progress", "ProgramBusy", "ProgramLocked", "TransitionRefused",
           "actual_cost", "audience_summary", "cancel", "clean_program_data", "clean_variants",
           "delete_program", "estimate", "known_names", "launch", "objective_percent", "objective_value", "pause",
           "progress", "resume", "save_program", "scheduled_local", "spend_by_campaign", "start_sending",
           "spent_units", "status_counts", "variant_for"]
