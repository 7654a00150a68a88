"""The `chapar` command line. Each command group lives in a file named for it."""
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


def _add_commands():
    from ..plugins import call_hook, load_plugins
    from . import admin, run, schema

    for module in (run, schema, admin):
        for command in module.COMMANDS:
            cli.add_command(command)
    # Plugins may add commands; load them without building the whole app.
    try:
        from ..config import Config

        load_plugins(disabled=Config().DISABLED_PLUGINS)
    except ConfigError:
        load_plugins()
    call_hook("register_commands", cli=cli)


def main(argv=None):
    _add_commands()
    return cli.main(args=argv, prog_name="chapar")
