"""The plugin's seams: the channel is there, a transport module that cannot be imported is left out
without breaking the others, and the periodic hook queues one tick per poll interval."""
import logging


def test_the_fax_channel_is_registered(fax_app):
    from chapar.channels import channels, get_channel

    assert "fax" in channels()
    assert get_channel("fax").consent_channel == "fax" and get_channel("fax").cost_unit == "page"


def test_a_transport_that_cannot_be_imported_is_logged_and_skipped(folder_transport, monkeypatch, caplog):
    from chapar_fax.transports import registry

    # folder_transport is asked for first, so it is unregistered after monkeypatch put the old
    # manager back; the fresh one below is thrown away.
    monkeypatch.setattr(registry, "BUILTIN", (*registry.BUILTIN, "chapar_fax.transports.not_written_yet"))
    monkeypatch.setattr(registry, "_manager", None)
    with caplog.at_level(logging.ERROR, logger=registry.__name__):
        kinds = registry.transport_kinds()
    assert "could not be loaded" in caplog.text and "not_written_yet" in caplog.text
    assert "folder" not in kinds  # a fresh manager: the test module's registration went with the old one
    registry.register(folder_transport)
    assert "folder" in registry.transport_kinds()


def test_the_periodic_hook_queues_one_tick_per_poll_interval(fax_app):
    from chapar import get_queue, get_redis
    from chapar.plugins import call_hook, plugin_states

    get_redis().delete("chapar-fax:tick")
    call_hook("periodic")
    call_hook("periodic")  # within the poll interval: no second job
    queued = [job for job in get_queue().jobs if job.func_name == "chapar_fax.faxes.tick"]
    assert len(queued) == 1
    assert next(s for s in plugin_states()[0] if s.name == "fax").state == "active"


def test_numbers_in_any_spelling_become_e164():
    from chapar_fax import numbers

    for spelling in ("021 8877 6655", "۰۲۱-۸۸۷۷-۶۶۵۵", "٠٢١٨٨٧٧٦٦٥٥", "+98 21 8877 6655", "0098 (21) 88776655"):
        assert numbers.e164(spelling, "IR") == "+982188776655"
    assert numbers.e164("(212) 555-0100", "US") == "+12125550100"
    for bad in ("", "12ab", "123", "+98 21"):
        try:
            numbers.e164(bad, "IR")
        except ValueError as exc:
            assert str(exc) == "invalid_address"
        else:
            raise AssertionError(f"{bad!r} was taken for a number")
    assert {"+982188776655", "02188776655", "982188776655", "2188776655"} <= set(numbers.stored_forms("+982188776655", "IR"))
