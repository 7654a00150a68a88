"""Channels: the contract plugins implement, and the registry of installed ones."""
from .base import ADDRESS_KINDS, CAPABILITIES, OUTCOMES, Channel, Estimate, OutgoingMessage, SendResult
from .fields import FIELD_KINDS, Field, clean_value
from .registry import (UnknownChannel, channel_settings, channels, get_channel, public_settings,
                       save_channel_settings)

__all__ = ["ADDRESS_KINDS", "CAPABILITIES", "Channel", "Estimate", "FIELD_KINDS", "Field", "OUTCOMES",
           "OutgoingMessage", "SendResult", "UnknownChannel", "channel_settings", "channels", "clean_value",
           "get_channel", "public_settings", "save_channel_settings"]
