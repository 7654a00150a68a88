"""Chapar's fax channel: a separately installable plugin (plugins/chapar-fax).

Installed, it registers the `fax` channel. Faxes go out through configured fax lines, each of a
transport kind (HylaFAX, email-to-fax, HTTP API, or one another plugin adds through the
`register_fax_transports` hook of chapar_fax.transports). These names are its public API for them.
"""
from .transports.base import FaxDocument, FaxStatus, FaxTransport, TransportError
from .transports.registry import hookimpl

__all__ = ["FaxDocument", "FaxStatus", "FaxTransport", "TransportError", "hookimpl"]
