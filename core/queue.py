"""RQ on Redis: the connection, the queues, and enqueueing with app-wide defaults."""
import redis
from flask import current_app
from rq import Queue

from .config import ConfigError, mask_url
from .embedded_redis import ensure_embedded

DEFAULT_QUEUE = "default"


def connect_redis(config):
    """A plain redis client for CHAPAR_REDIS_URL, or for the embedded server; checked with PING."""
    if config.embedded_redis:
        url = ensure_embedded(config.HOME).url
    else:
        url = config.REDIS_URL
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        shown = mask_url(url).split("@")[-1]  # never print the password (nor secret query arguments)
        reason = " ".join(str(exc).split())
        raise ConfigError(f"CHAPAR_REDIS_URL: cannot reach Redis at {shown}: {reason}") from None
    return client


def get_redis():
    return current_app.extensions["chapar.redis"]


def known_queue_names():
    """Queues workers listen to by default: 'default', each installed channel's send queue, and
    any other created so far."""
    from .channels import channels
    from .sending.dispatch import queue_name

    names = {q.name for q in Queue.all(connection=get_redis())}
    names.add(DEFAULT_QUEUE)
    names.update(queue_name(identifier) for identifier in channels())
    return sorted(names)


def get_queue(name=DEFAULT_QUEUE):
    return Queue(name, connection=get_redis(), default_timeout=current_app.config["CHAPAR"].JOB_TIMEOUT)


def enqueue(func, *args, queue=DEFAULT_QUEUE, **kwargs):
    """Put a job on a queue. Jobs should carry ids, never whole records."""
    return get_queue(queue).enqueue(func, *args, **kwargs)
