"""A channel that accepts every message and does nothing else: what remains is the core's cost.

Worker subprocesses load it through the entry point in bench/null_channel_site (put that folder
and bench/ on their PYTHONPATH), as tests/fixture_channel_site does for the fixture channel.
"""
from chapar import Channel, Field, SendResult, hookimpl


class NullChannel(Channel):
    identifier = "null"
    label = "Null channel"
    description = "Accepts everything and sends nothing (for benchmarks)."
    address = "email"
    content_fields = (
        Field("subject", "Subject", required=True, template=True, max_length=200),
        Field("body", "Body", kind="textarea", required=True, template=True),
    )
    template_links = ("unsubscribe",)
    idempotent = True

    def links(self, message, settings):
        return {"unsubscribe": f"https://chapar.example/u/{message.id}"}

    def send(self, batch, settings):
        return [SendResult.accepted(message.id, f"null-{message.id}") for message in batch]


@hookimpl
def register_channels():
    """The null channel."""
    return [NullChannel]
