"""Data for the web UI's own dashboard panels: getting started, and system status."""
import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from rq import Worker

from chapar.db import db
from chapar.models import ApiToken, User
from chapar.plugins import plugin_states
from chapar.queue import get_queue, get_redis, known_queue_names

log = logging.getLogger("chapar.webui")


def database_engine():
    name = type(db.obj).__name__ if db.obj is not None else ""
    if "Postgres" in name:
        return "PostgreSQL"
    if "Sqlite" in name or "SQLite" in name:
        return "SQLite"
    return name or "?"


def queue_status():
    """[{name, queued, started, failed}], plus workers online; None when Redis does not answer."""
    try:
        queues = []
        for name in known_queue_names():
            queue = get_queue(name)
            queues.append({"name": name, "queued": queue.count, "started": queue.started_job_registry.count,
                           "failed": queue.failed_job_registry.count})
        return {"queues": queues, "workers": Worker.count(connection=get_redis())}
    except Exception:  # a status card must never take the dashboard down
        log.exception("could not read queue status")
        return None


def plugin_counts():
    states, disabled = plugin_states()
    broken = sum(1 for state in states if state.error)
    return {"active": len(states) - broken, "broken": broken, "disabled": len(disabled)}


def system_status():
    return {"queue": queue_status(), "plugins": plugin_counts(), "database": database_engine()}


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    href: str = ""
    done: bool = False


def getting_started(user):
    """The first things worth doing, ticked off as they are done."""
    steps = []
    if user.can("admin"):
        steps += [
            Step(_l("Invite your team"), _l("Add a user for each colleague, with the role that fits their work."),
                 "/admin/users", User.select().count() > 1),
            Step(_l("Look at the plugins"), _l("Channels (email, SMS, fax, print) and reports come from plugins."),
                 "/admin/plugins"),
        ]
    steps += [
        Step(_l("Create an API token"), _l("Connect other tools to Chapar through its REST API."),
             "/account/tokens", ApiToken.select().where(ApiToken.user == user).exists()),
        Step(_l("Pick your language"), _l("Chapar speaks English and Persian; switch at the foot of the menu."),
             "", bool(user.locale)),
    ]
    return steps
