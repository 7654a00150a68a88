"""Merge tags: Jinja2 templates rendered in a sandbox that is bounded in time and size.

``render`` is what the send pipeline calls per message; ``check`` is what the composer calls to
list problems with line numbers before a program is launched. Limits are in sandbox.py.
"""
import functools

from jinja2 import TemplateSyntaxError

from .check import Problem, check, harden, refusals
from .context import CONTACT_FIELDS, contact_context, known_names
from .sandbox import ENVIRONMENTS, MAX_OUTPUT, MAX_SOURCE, TemplateError, start_clock, stop_clock, tick

__all__ = ["CONTACT_FIELDS", "Problem", "TemplateError", "check", "compile_template", "contact_context",
           "known_names", "render"]


@functools.lru_cache(maxsize=2048)  # the send pipeline renders the same few templates again and again
def compile_template(source: str, autoescape: bool = False):
    """Parse, vet and compile a template; raises TemplateError (errors are not cached)."""
    if not isinstance(source, str):
        raise TemplateError("the template must be text")
    if len(source) > MAX_SOURCE:
        raise TemplateError(f"the template is longer than {MAX_SOURCE} characters")
    env = ENVIRONMENTS[bool(autoescape)]
    try:
        ast = env.parse(source)
        refused = sorted(refusals(ast, env), key=lambda found: found[0])
        if refused:
            line, message, _code = refused[0]
            raise TemplateError(message, line)
        ast = harden(ast)
        ast.set_environment(env)
        template = env.from_string(ast)
        # Jinja chains the template's globals onto the environment's and walks the chain twice
        # per render; ours are fixed when the environment is made, so one plain dict will do.
        template.globals = dict(template.globals)
        return template
    except TemplateSyntaxError as error:
        raise TemplateError(error.message or str(error), error.lineno) from None
    except RecursionError:
        raise TemplateError("the template is nested too deeply") from None
    except TemplateError:
        raise
    except Exception as error:  # noqa: BLE001 - e.g. a limit hit while folding constants
        raise TemplateError(f"the template could not be compiled: {error}") from None


def render(source: str, context: dict, *, autoescape: bool = False) -> str:
    """Render a merge-tag template; any error or exceeded limit raises TemplateError.

    Rendering goes chunk by chunk through ``generate()`` so the output size and the deadline are
    checked as the text grows (no threads, no signals; loops and filters tick the deadline too).
    """
    template = compile_template(source, bool(autoescape))
    token = start_clock()
    parts, size = [], 0
    try:
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateError(f"the output would exceed the limit of {MAX_OUTPUT} characters")
            parts.append(chunk)
            tick()
    except TemplateError as error:
        if error.line is None:
            error.line = _template_line(error)
        raise
    except Exception as error:  # noqa: BLE001 - UndefinedError, TypeError, ZeroDivisionError ...
        raise TemplateError(str(error) or type(error).__name__, _template_line(error)) from None
    finally:
        stop_clock(token)
    return "".join(parts)


def _template_line(error):
    """The template line an exception came from: jinja2 rewrites tracebacks to point at it."""
    line, tb = None, error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
