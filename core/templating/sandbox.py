"""The run-time half of the merge-tag sandbox: limits, guards, filters and the two environments.

Merge tags are written by marketers and rendered by workers tens of thousands of times a second,
so a template must never reach Python internals, the app config or os.environ, and never run
away with the worker's memory or time. jinja2's ImmutableSandboxedEnvironment blocks private
attributes and mutation; this module adds what it leaves open:

* no globals but a capped ``range``; no methods (``"x".center(10**9)``, ``str.format``) -- filters
  cover what merge tags need, each checked before it can allocate too much;
* ``*``, ``**``, ``%`` and ``+`` are intercepted and refused when the result would be too big;
* every value is weighed before it is turned into text (``[big] * 1000`` is cheap, its ``str``
  is not), and every loop checks the wall-time deadline on each iteration (see check.harden).

Rules that need the whole template (no macros, loops nested at most twice, no ``_names``) are
checked at compile time in check.py.
"""
import contextvars
import functools
import re
import threading
import time

from jinja2 import ChainableUndefined, Undefined
from jinja2.filters import FILTERS
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_SOURCE = 512 * 1024  # characters of template source
MAX_OUTPUT = 512 * 1024  # characters of output; also the cap on any single value
# CPU time of one render, on its own thread: a busy machine (or the send thread holding the GIL)
# must not fail a template that is merely waiting its turn; a template that computes is stopped.
MAX_SECONDS = 0.5
MAX_RANGE = 1000  # items one range() may produce
MAX_LOOP_DEPTH = 2  # for-loops nested inside each other
MAX_INT_BITS = 256  # integers * and ** may produce: (9**9)**9 is refused, prices are not


class TemplateError(ValueError):
    """A merge-tag template is invalid, unsafe or exceeded a limit; ``line`` when known."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message


# --- guards ------------------------------------------------------------------------------------

class _Budget:
    """A render's time budget: MAX_SECONDS of its thread's CPU time. Reading a thread's CPU clock is
    a system call, so the cheap wall clock is watched instead, and the CPU clock is read only once
    the wall deadline passes: CPU time can never run ahead of the clock on the wall."""

    __slots__ = ("wall", "cpu")

    def __init__(self):
        now = time.monotonic()
        self.wall = now + MAX_SECONDS
        self.cpu = _cpu_clock(now) + MAX_SECONDS


# The thread's CPU clock, read at most every CPU_READ_SECONDS: a worker starts thousands of
# renders a second, and an older reading only makes a budget stricter (by at most that much).
CPU_READ_SECONDS = 0.02
_cpu_read = threading.local()


def _cpu_clock(now):
    reading = getattr(_cpu_read, "value", None)
    if reading is None or not 0 <= now - reading[0] <= CPU_READ_SECONDS:
        reading = _cpu_read.value = (now, time.thread_time())
    return reading[1]


# The budget of the render in progress; None outside render() (compile-time constant folding).
_DEADLINE = contextvars.ContextVar("chapar_template_deadline", default=None)


def tick():
    """Refuse to go on once the current render's time budget is spent."""
    budget = _DEADLINE.get()
    if budget is None or time.monotonic() <= budget.wall:
        return
    left = budget.cpu - time.thread_time()
    if left <= 0:
        raise TemplateError(f"the template took longer than {MAX_SECONDS} s to render")
    budget.wall = time.monotonic() + left  # it waited for the CPU; it has not spent its budget


def start_clock():
    """Start a render's budget; returns the token for ``stop_clock``."""
    return _DEADLINE.set(_Budget())


stop_clock = _DEADLINE.reset


def _too_big(what="a value"):
    return TemplateError(f"{what} would exceed the limit of {MAX_OUTPUT} characters")


def weigh(value):
    """Return about how long ``str(value)`` is, refusing values whose text would be too big.

    Containers may hold the same big string many times over, so they are weighed item by item,
    stopping as soon as the limit is passed.
    """
    if isinstance(value, str):
        size = len(value)
    else:
        size, stack = 0, [value]
        while stack and size <= MAX_OUTPUT:
            item = stack.pop()
            if isinstance(item, str):
                size += len(item) + 2
            elif isinstance(item, (list, tuple, set, frozenset)):
                size += 2 + 2 * len(item)
                stack.extend(item)
            elif isinstance(item, dict):
                size += 2 + 4 * len(item)
                stack.extend(item.keys())
                stack.extend(item.values())
            else:
                size += 24
    if size > MAX_OUTPUT:
        raise _too_big()
    return value


def printable(value):
    """``finalize`` of the environments and the guard on each part of ``~``: weighed, and
    callables (loop.cycle, range) print as nothing rather than as "<bound method ...>"."""
    if isinstance(value, str):
        if len(value) > MAX_OUTPUT:
            raise _too_big()
        return value
    if callable(value) and not isinstance(value, Undefined):
        return ""
    return weigh(value)


def _check_result(value):
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_OUTPUT:
        raise _too_big()
    return value


_PERCENT_SPEC = re.compile(r"%%|%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_percent_format(fmt):
    """Refuse %-formats whose widths would allocate too much ("%999999999s")."""
    total = len(fmt)
    for match in _PERCENT_SPEC.finditer(fmt):
        for number in match.groups():
            if number == "*":
                raise TemplateError("'*' widths are not allowed in format strings")
            total += int(number or 0)
    if total > MAX_OUTPUT:
        raise _too_big("the formatted text")


def _check_binop(operator, left, right):
    if operator == "*":
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and len(seq) * count > MAX_OUTPUT:
                raise _too_big("the repeated value")
        if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise TemplateError(f"numbers are limited to {MAX_INT_BITS} bits")
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0 \
                and left.bit_length() * right > MAX_INT_BITS:
            raise TemplateError(f"numbers are limited to {MAX_INT_BITS} bits")
    elif operator == "%" and isinstance(left, str):
        _check_percent_format(left)
        weigh(right)


def _check_int(value):
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise TemplateError(f"numbers are limited to {MAX_INT_BITS} bits")


class CappedRange:
    """``range()`` for templates: at most MAX_RANGE items, and prints as nothing revealing."""

    def __call__(self, *args):
        try:
            result = range(*args)
            size = len(result)
        except (TypeError, ValueError, OverflowError) as error:
            raise TemplateError(f"range(): {error}") from None
        if size > MAX_RANGE:
            raise TemplateError(f"range() may produce at most {MAX_RANGE} items, not {size}")
        return result

    def __repr__(self):
        return "range"


def _loop_guard(iterable):
    """Wrapped around every for-loop's iterable: the deadline is checked on each item."""
    budget = _DEADLINE.get()
    for item in iterable:
        if budget is not None and time.monotonic() > budget.wall:
            tick()
        yield item


# --- filters -----------------------------------------------------------------------------------

def _bounded(func, precheck=None):
    """Wrap a jinja2 filter: arguments weighed first, result size and deadline checked after."""
    @functools.wraps(func)  # also copies jinja_pass_arg
    def wrapper(*args, **kwargs):
        for value in args:
            weigh(value)
        for value in kwargs.values():
            weigh(value)
        if precheck:
            precheck(*args, **kwargs)
        result = _check_result(func(*args, **kwargs))
        tick()
        return result
    return wrapper


def _join_precheck(_eval_ctx, value, d="", attribute=None):
    try:
        count = len(value)
    except TypeError:
        return
    if len(str(d)) * count > MAX_OUTPUT:
        raise _too_big("the joined text")


def _replace_precheck(_eval_ctx, s, old, new, count=None):
    s, old, new = str(s), str(old), str(new)
    times = s.count(old) if old else len(s) + 1
    if count is not None and count >= 0:
        times = min(times, count)
    if len(s) + times * (len(new) - len(old)) > MAX_OUTPUT:
        raise _too_big("the replaced text")


def _format_precheck(value, *args, **kwargs):
    _check_percent_format(str(value))


# Only what merge tags need; batch/slice/center/indent/map/attr/tojson/safe etc. are left out.
_PLAIN = ("default", "d", "upper", "lower", "title", "capitalize", "trim", "truncate", "striptags",
          "escape", "e", "urlencode", "string", "wordcount", "first", "last", "length", "count",
          "int", "float", "round", "abs", "list")
PUBLIC_FILTERS = {name: _bounded(FILTERS[name]) for name in _PLAIN}
PUBLIC_FILTERS.update(
    join=_bounded(FILTERS["join"], _join_precheck),
    replace=_bounded(FILTERS["replace"], _replace_precheck),
    format=_bounded(FILTERS["format"], _format_precheck),
)
# Inserted by check.harden(); user templates cannot name them (refusals() rejects unknown filters).
_INTERNAL_FILTERS = {"_loop_guard": _loop_guard, "_weighed": printable}


# --- environments ------------------------------------------------------------------------------

class MergeTagEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox merge tags render in; see the module docstring for what it adds."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, autoescape):
        super().__init__(autoescape=autoescape, undefined=ChainableUndefined, finalize=printable,
                         keep_trailing_newline=True, auto_reload=False, cache_size=0)
        self.globals = {"range": CappedRange()}
        self.filters = {**PUBLIC_FILTERS, **_INTERNAL_FILTERS}

    def is_safe_attribute(self, obj, attr, value):
        if attr.startswith("_"):
            return False
        if callable(value) and not isinstance(value, Undefined):
            # No methods: str.center/ljust/zfill could allocate without bound, and printing
            # one would show "<built-in method ...>". Only loop.cycle() and loop.changed() stay.
            return isinstance(obj, LoopContext) and attr in ("cycle", "changed")
        return super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value):
        return None  # "{:999999999}".format(1): str.format is refused like any other method

    def getattr(self, obj, attribute):
        # For dicts, `links.items` means the key "items", never the dict method.
        if isinstance(obj, dict):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def call_binop(self, context, operator, left, right):
        _check_binop(operator, left, right)
        result = _check_result(self.binop_table[operator](left, right))
        _check_int(result)
        tick()
        return result


# Two environments: autoescape is compiled into the template code, so it cannot be a flag per call.
ENVIRONMENTS = {False: MergeTagEnvironment(autoescape=False), True: MergeTagEnvironment(autoescape=True)}
