"""A chunk's channel call runs on a helper thread while the worker prepares the next chunk.

Claiming, consent checks, rendering and result writes keep the worker's CPU and database busy; a
provider call mostly waits for the network (an SMSC's answers, an SMTP server's replies). Doing
the two at once hides most of the wait. Only one call is ever in flight, in order, on the same
thread of the worker process, so a channel still sees its sends one after another and needs no
locking; a worker that dies loses at most the chunks it had handed over, which the lease covers.
"""
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor

from ..db import db

_executor = None
_lock = threading.Lock()


def _sender():
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(1, thread_name_prefix="chapar-send")
        return _executor


def _close_connection():
    # The helper thread has its own database connection (peewee keeps one per thread) if the
    # channel read anything; a job must not leave it open.
    if not db.is_closed():
        db.close()


class InFlight:
    """At most one channel call running in the background, settled in the caller's thread."""

    def __init__(self):
        self._pending = None
        self._used = False

    def start(self, call, args, then):
        """Settle the previous call, then run `call(*args)` in the background; `then(result)`
        runs in this thread when the call is settled."""
        self.settle()
        context = contextvars.copy_context()  # the app context travels with the call
        self._pending = (_sender().submit(context.run, call, *args), then)
        self._used = True

    def settle(self):
        """Wait for the call in flight, if any, and apply its result."""
        if self._pending is None:
            return
        future, then = self._pending
        answered = future.result()  # interrupted (a job timeout): close() waits for it again
        self._pending = None
        then(answered)

    def close(self):
        """Settle what is in flight and release the helper thread's database connection."""
        try:
            self.settle()
        finally:
            if self._used:
                _sender().submit(contextvars.copy_context().run, _close_connection).result()
