"""The `chapar` command line. Each command group lives in a file named for it."""
import os
import sys

import click

from ..config import ConfigError


class ChaparGroup(click.Group):
    """Turns a ConfigError into one clear line and exit status 2, instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=ChaparGroup)
@click.version_option(package_name="chapar")
def cli():
    """Chapar: self-hosted campaign manager."""


def load_commands():
    """(Re)build `cli`: the built-in commands, then those plugins add through register_commands.

    Plugins are loaded without building the app, so `chapar --help` works before the database
    or Redis is reachable; a wrong setting is reported by the command that needs it.
    """
    from ..config import Config
    from ..plugins import call_hook, load_plugins
    from . import admin, contacts, programs, run, schema

    cli.commands.clear()
    for module in (run, schema, admin, contacts, programs):
        for command in module.COMMANDS:
            cli.add_command(command)
    try:
        disabled = Config().DISABLED_PLUGINS
    except ConfigError:  # another setting is wrong; still honour the disabled list
        disabled = [n.strip() for n in os.environ.get("CHAPAR_DISABLED_PLUGINS", "").split(",") if n.strip()]
    load_plugins(disabled=disabled)
    call_hook("register_commands", cli=cli)
    return cli


def main(argv=None):
    load_commands()
    return cli.main(args=argv, prog_name="chapar")
