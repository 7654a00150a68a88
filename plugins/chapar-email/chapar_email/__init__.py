"""Chapar's email channel: a separately installable plugin (plugins/chapar-email).

Installed, it registers the `email` channel, the sender-identity pages and, through the other
modules of this package, unsubscribe, tracking, bounces and replies.
"""
