"""Rendering helpers shared by every web UI view.

Plugins' `extra_template_vars` are merged into *every* template render (see shell.py, which
listens to Flask's before_render_template signal), so `render` is a plain convenience: views may
call it or flask.render_template with the same effect.
"""
from math import ceil
from urllib.parse import urlencode, urlsplit

from flask import current_app, render_template, request, url_for


def render(template, status=200, **context):
    """Render `template` in the layout; `status` lets a view re-show a form with 422."""
    return render_template(template, **context), status


def endpoint_url(endpoint, **values):
    """The URL of `endpoint` when some plugin or module provides it, else None.

    Only the values the endpoint's rule takes are passed, so callers may offer more than one page needs.
    """
    if endpoint not in current_app.view_functions:
        return None
    arguments = next(current_app.url_map.iter_rules(endpoint)).arguments
    return url_for(endpoint, **{name: value for name, value in values.items() if name in arguments})


def safe_next(target, default_endpoint="webui.dashboard"):
    """`target` when it is a local path on this site, else the URL of `default_endpoint`.

    Rejects anything a browser could read as another host: //host, schemes, backslashes
    (browsers treat /\\host as //host) and control characters.
    """
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for(default_endpoint)


def current_path():
    """This page's path and query, to come back to after a form elsewhere (language, login)."""
    return request.full_path.rstrip("?") if request.query_string else request.path


# Page numbers beyond this are read as this (the database's OFFSET has limits of its own).
MAX_PAGE = 1_000_000


class Page:
    """One page of a peewee query, for the `pagination(page)` macro.

    Attributes: items, number (1-based), per_page, total, pages, has_previous, has_next;
    url(n) is the current URL with ?page=n, keeping every other query argument.
    """

    def __init__(self, query, number, per_page=25, arg="page"):
        self.per_page = per_page
        self.arg = arg
        self.total = query.count()
        self.pages = max(1, ceil(self.total / per_page))
        self.number = min(max(1, number), self.pages, MAX_PAGE)
        self.items = list(query.paginate(self.number, per_page))

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages

    def url(self, number):
        # The query is appended as it came rather than passed to url_for, where names such as
        # _external, _scheme, _anchor or endpoint would change the link instead of riding along.
        query = [(key, value) for key, value in request.args.items(multi=True) if key != self.arg]
        query.append((self.arg, str(number)))
        return url_for(request.endpoint, **(request.view_args or {})) + "?" + urlencode(query)


def paginate(query, per_page=25, arg="page"):
    """A Page of `query` for the page number in ?page= (bad values mean page 1, at most MAX_PAGE)."""
    return Page(query, page_number(arg), per_page=per_page, arg=arg)


def page_number(arg="page"):
    """The 1-based page number in the query argument `arg`: 1 when absent or malformed, never
    above MAX_PAGE."""
    return min(max(request.args.get(arg, 1, type=int) or 1, 1), MAX_PAGE)
