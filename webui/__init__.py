"""The htmx web UI, registered through the same hooks as any plugin (see plugin.py)."""
