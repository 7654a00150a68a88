"""The fixture channel: a provider that records what it was asked to send and can be told to fail.

It keeps everything in Redis, so worker processes and the test share one record:
  fixture:attempts     list of message ids, one entry per send() of that message (retries too)
  fixture:accepted     hash message id -> provider id; like a real provider it deduplicates on
                       the idempotency key, so a re-send after a crash is accepted only once
  fixture:behaviour    hash: transient_until (epoch seconds), raise_until, delay_ms
  fixture:permanent    set of addresses that always fail permanently
Worker subprocesses load it through the entry point in tests/fixture_channel_site (put that
folder on their PYTHONPATH); in-process tests register it with the `plugins` fixture.
"""
import time

from chapar import Channel, Estimate, Field, SendResult, get_redis, hookimpl

PREFIX = "fixture:"


class RecordingChannel(Channel):
    identifier = "fixture"
    label = "Fixture channel"
    description = "Records messages in Redis instead of sending them (for tests)."
    capabilities = frozenset({"delivery_receipts", "two_way"})
    address = "email"
    cost_unit = "message"
    content_fields = (
        Field("subject", "Subject", required=True, template=True, max_length=200),
        Field("body", "Body", kind="textarea", required=True, template=True),
    )
    settings_fields = (
        Field("rate_per_second", "Messages per second", kind="number"),
        Field("api_key", "API key", kind="password", secret=True),
    )
    template_links = ("unsubscribe",)
    idempotent = True
    batch_size = 250

    def links(self, message, settings):
        return {"unsubscribe": f"https://chapar.example/u/{message.id}"}

    def estimate(self, message):
        body = message.content.get("body", "")
        return Estimate(units=1 + len(body) // 1000, warnings=("long message",) if len(body) > 1000 else ())

    def validate_content(self, content):
        return {"subject": "must not be FORBIDDEN"} if content.get("subject") == "FORBIDDEN" else {}

    def send(self, batch, settings):
        redis = get_redis()
        behaviour = {k.decode(): v.decode() for k, v in redis.hgetall(PREFIX + "behaviour").items()}
        now = time.time()
        if now < float(behaviour.get("raise_until", 0)):
            raise ConnectionError("fixture provider unreachable")
        if behaviour.get("delay_ms"):
            time.sleep(int(behaviour["delay_ms"]) / 1000)
        permanent = {a.decode() for a in redis.smembers(PREFIX + "permanent")}
        transient = now < float(behaviour.get("transient_until", 0))
        results = []
        with redis.pipeline() as pipe:
            for message in batch:
                pipe.rpush(PREFIX + "attempts", message.id)
                if message.address in permanent:
                    results.append(SendResult.permanent(message.id, "mailbox does not exist"))
                elif transient:
                    results.append(SendResult.transient(message.id, "provider busy, try later"))
                else:
                    pipe.hsetnx(PREFIX + "accepted", message.id, f"fx-{message.id}")
                    pipe.rpush(PREFIX + "bodies", f"{message.id}|{message.content.get('subject', '')}")
                    results.append(SendResult.accepted(message.id, f"fx-{message.id}"))
            pipe.execute()
        return results


def reset(redis):
    for key in redis.scan_iter(PREFIX + "*"):
        redis.delete(key)


def accepted(redis):
    """{message id: provider id} the provider holds: each message at most once."""
    return {int(k): v.decode() for k, v in redis.hgetall(PREFIX + "accepted").items()}


def attempts(redis):
    return [int(v) for v in redis.lrange(PREFIX + "attempts", 0, -1)]


def behave(redis, **settings):
    """behave(redis, transient_until=time.time() + 5, delay_ms=20, raise_until=...)."""
    redis.hset(PREFIX + "behaviour", mapping={k: str(v) for k, v in settings.items()})


def fail_permanently(redis, *addresses):
    redis.sadd(PREFIX + "permanent", *addresses)


@hookimpl
def register_channels():
    """The fixture channel."""
    return [RecordingChannel]
