"""A chunk's channel call runs on a helper thread while the worker prepares the next chunk.

Claiming, consent checks, rendering and result writes keep the worker's CPU and database busy; a
provider call mostly waits for the network (an SMSC's answers, an SMTP server's replies). Doing
the two at once hides most of the wait. Calls run one at a time, in order, on the same thread of
the worker process, so a channel still sees its sends one after another and needs no locking.
Up to DEPTH calls may be outstanding (one running, the next waiting its turn): with only one, the
helper thread idled while the worker wrote the last results and started the next call. A worker
that dies loses at most the chunks it had handed over, which the lease covers.
"""
import contextvars
import logging
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from ..db import db

log = logging.getLogger("chapar.sending")
DEPTH = 2  # channel calls outstanding at most: the one running and the next
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
    """At most DEPTH channel calls running or waiting in the background, each settled in the
    caller's thread, oldest first."""

    def __init__(self):
        self._pending = deque()  # (future, then), oldest first
        self._used = False

    def make_room(self):
        """Settle calls until fewer than DEPTH are outstanding. Call it before handing a chunk over:
        if applying an earlier chunk's results fails, the new chunk is not yet the channel's."""
        while len(self._pending) >= DEPTH:
            self._settle_oldest()

    def start(self, call, args, then):
        """Run `call(*args)` in the background (after make_room); `then(result)` runs in this
        thread when the call is settled."""
        self.make_room()
        context = contextvars.copy_context()  # the app context travels with the call
        self._pending.append((_sender().submit(context.run, call, *args), then))
        self._used = True

    def settle(self):
        """Wait for every call outstanding and apply their results, oldest first. When applying
        one fails, the later ones are still applied (their messages went out), then the first
        error is raised."""
        error = None
        while self._pending:
            try:
                self._settle_oldest()
            except Exception as exc:  # noqa: BLE001 - the first is raised below, once the rest are applied
                if error is not None:
                    log.exception("a later chunk's results could not be written either")
                error = error or exc
        if error is not None:
            raise error

    def _settle_oldest(self):
        future, then = self._pending[0]
        try:
            answered = future.result()
        except BaseException as exc:
            if future.done() and not future.cancelled() and future.exception() is exc:
                self._pending.popleft()  # the call itself raised: there is nothing to apply
            raise  # else interrupted (a job timeout), even as the call ended: it is waited for again
        self._pending.popleft()
        then(answered)

    def close(self):
        """Settle what is in flight and release the helper thread's database connection."""
        try:
            self.settle()
        finally:
            if self._used:
                _sender().submit(contextvars.copy_context().run, _close_connection).result()
