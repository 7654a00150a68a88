"""`chapar user`, `chapar token` and `chapar plugins`."""
import click

from ..models import ROLES, User
from .appcontext import app_context


@click.group()
def user():
    """Manage users."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--name", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def user_create(email, role, name, password):
    """Create a user who can log in to the web UI."""
    from ..audit import record
    from ..users import UserError, create_user

    with app_context():
        try:
            created = create_user(email, password, role=role, name=name)
        except UserError as exc:
            raise click.ClickException(str(exc)) from None
        record("user.created", target=created.email, role=role, via="cli")
    click.echo(f"created {role} {created.email}")


@click.group()
def token():
    """Manage API tokens."""


@token.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--role", type=click.Choice(ROLES), default=None, help="At most the user's role (default: the same).")
def token_create(email, name, role):
    """Create an API token; its secret is printed once and never stored."""
    from ..audit import record
    from ..tokens import create_token

    with app_context():
        owner = User.get_or_none(User.email == email.strip().lower())
        if owner is None:
            raise click.ClickException(f"no user with email {email}")
        try:
            created, secret = create_token(owner, name, role)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        record("token.created", actor=owner, target=created.name, role=created.role, via="cli")
    click.echo(secret)


@click.command()
@click.option("--traceback", "show_traceback", is_flag=True, help="Show the whole traceback of broken plugins.")
def plugins(show_traceback):
    """List plugins with version, hooks and state."""
    from ..plugins import plugin_states

    with app_context():  # building the app runs the hooks that may break a plugin
        states, disabled = plugin_states()
    for state in states:
        click.echo(f"{state.name}  {state.version or '-'}  {state.state}  hooks: {', '.join(state.hooks) or '-'}")
        if state.error:
            click.echo(f"    error: {state.error}")
            if show_traceback:
                click.echo("    " + state.detail.rstrip().replace("\n", "\n    "))
    for state in disabled:
        click.echo(f"{state.name}  -  disabled")


COMMANDS = [user, token, plugins]
