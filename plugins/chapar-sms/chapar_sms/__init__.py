"""Chapar's SMS channel: a separately installable plugin (plugins/chapar-sms).

Installed, it registers the `sms` channel. Messages go out through configured gateways, each of
a provider kind (Kannel, SMPP, generic HTTP, or one another plugin adds through the
`register_sms_providers` hook of chapar_sms.providers). These names are its public API for them.
"""
from .providers.base import ProviderError, SmsProvider, Submission
from .providers.registry import hookimpl

__all__ = ["ProviderError", "SmsProvider", "Submission", "hookimpl"]
