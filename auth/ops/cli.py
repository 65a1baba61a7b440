"""Operator commands: ``flask users ...`` and ``flask sessions prune`` / ``revoke-all``."""

from __future__ import annotations

import sys
import time

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from auth.core.accounts import create_user, delete_user, find_user, lock_user, set_password, unlock_user
from auth.core.addresses import check_email
from auth.core.audit import audit
from auth.core.errors import AuthError
from auth.core.policy import check_password, check_username
from auth.core.state import auth_state
from auth.ops.doctor import doctor_group
from models import User, db


class _DatabaseGroup(AppGroup):
    """Turns "no such table" into a sentence that says what to run."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as error:
            db.session.rollback()
            raise click.ClickException(
                f"The database is not ready ({error.orig.__class__.__name__}); run 'flask db upgrade' first."
            ) from None


users = _DatabaseGroup("users", help="Create, list and manage users.")
sessions = _DatabaseGroup("sessions", help="Maintain the session table.")


def _read_password(name: str, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_password(password, name, auth_state().breaches)
    except AuthError as error:
        raise click.ClickException(error.message) from None
    return password


def _user(name: str) -> User:
    user = find_user(name)
    if user is None:
        raise click.ClickException(f"No user named {name!r}.")
    return user


@users.command("create")
@click.argument("name")
@click.option("--role", "roles", multiple=True, help="A role to grant; repeat for several.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--email", metavar="ADDRESS", help="The user's email address; the operator vouches for it (verified).")
def create(name: str, roles: tuple[str, ...], password_stdin: bool, email: str | None) -> None:
    """Create a user NAME."""
    try:
        name = check_username(name)
        address = check_email(email) if email is not None else None
        if find_user(name) is not None:
            raise click.ClickException(f"A user named {name!r} already exists.")
        user = create_user(
            auth_state(),
            name,
            _read_password(name, password_stdin),
            sorted(set(roles)),
            email=address,
            email_verified=address is not None,
        )
    except AuthError as error:
        raise click.ClickException(error.message) from None
    audit("user_created", user_id=user.id, by="cli", roles=user.roles, email=user.email is not None)
    click.echo(f"Created user {user.username} (id {user.id}).")


@users.command("list")
def list_users() -> None:
    """List every user with their roles."""
    for user in db.session.scalars(select(User).order_by(User.id)):
        locked = "\tlocked" if user.is_locked else ""
        click.echo(f"{user.id}\t{user.username}\t{','.join(user.roles or []) or '-'}{locked}")


@users.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def set_password_command(name: str, password_stdin: bool) -> None:
    """Set NAME's password and sign out all of their sessions."""
    user = _user(name)
    set_password(auth_state(), user, _read_password(user.username, password_stdin))
    ended = auth_state().sessions.revoke_user(user.id, now=time.time())
    audit("password_set", user_id=user.id, by="cli", sessions_ended=len(ended))
    click.echo(f"Password changed for {user.username}; {len(ended)} session(s) signed out.")


@users.command("set-roles")
@click.argument("name")
@click.option("--role", "roles", multiple=True, help="The complete new set of roles; none clears them.")
def set_roles(name: str, roles: tuple[str, ...]) -> None:
    """Replace NAME's roles; live access tokens are refused until refreshed."""
    user = _user(name)
    before = list(user.roles or [])
    user.roles = sorted(set(roles))
    audit("roles_changed", user_id=user.id, by="cli", before=before, after=user.roles)
    db.session.commit()
    auth_state().sessions.reissue_for_user(user.id, now=time.time())
    click.echo(f"Roles of {user.username}: {', '.join(user.roles) or '-'}.")


@users.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(name: str, yes: bool) -> None:
    """Delete NAME; their sessions end at once."""
    user = _user(name)
    if not yes:
        click.confirm(f"Delete {user.username} and end their sessions?", abort=True)
    audit("user_deleted", user_id=user.id, by="cli", username=user.username)
    delete_user(auth_state(), user)
    click.echo(f"Deleted user {user.username}.")


@sessions.command("revoke-all")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def revoke_all(yes: bool) -> None:
    """End every live session of every user (after a key or database leak)."""
    if not yes:
        click.confirm("Sign every user out of every session?", abort=True)
    ended = auth_state().sessions.revoke_all(now=time.time())
    click.echo(f"Revoked {ended} session(s); their access tokens are refused from now on.")


@users.command("lock")
@click.argument("name")
def lock(name: str) -> None:
    """Lock NAME out: no sign-in of any kind, and every session ends now."""
    user = _user(name)
    ended = lock_user(auth_state(), user, by="cli")
    click.echo(f"Locked {user.username}; {len(ended)} session(s) ended.")


@users.command("unlock")
@click.argument("name")
def unlock(name: str) -> None:
    """Let NAME sign in again, second step included (their ended sessions stay ended)."""
    user = _user(name)
    unlock_user(user, by="cli")
    click.echo(f"Unlocked {user.username}.")


@sessions.command("prune")
def prune() -> None:
    """Delete expired and long-revoked sessions and old revocation entries."""
    removed = auth_state().sessions.prune(time.time())
    click.echo(f"Pruned {removed} session(s).")


def init_cli(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(sessions)
    app.cli.add_command(doctor_group)
