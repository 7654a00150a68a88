"""`chapar migrate`."""
import click

from .appcontext import app_context


@click.command()
def migrate():
    """Apply pending schema migrations of the core and of every plugin (safe to repeat)."""
    from ..schema import migrate as run_migrations

    with app_context():
        applied = run_migrations()
    total = sum(len(names) for names in applied.values())
    for label, names in applied.items():
        for name in names:
            click.echo(f"applied {label}: {name}")
    click.echo(f"{total} migration(s) applied; schema is up to date.")


COMMANDS = [migrate]
