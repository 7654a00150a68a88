"""The send pipeline: dispatch batches to RQ, claim under a lease, render, send, reconcile."""
from .batch import send_batch
from .dispatch import dispatch, queue_name
from .reconcile import reconcile, reconcile_if_due
from .render import preview

__all__ = ["dispatch", "preview", "queue_name", "reconcile", "reconcile_if_due", "send_batch"]
