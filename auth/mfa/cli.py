"""``flask users reset-mfa NAME``: remove every second factor of a user (a lost phone)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from auth.core.accounts import find_user
from auth.core.audit import audit
from auth.mfa import attempts, failure_cap, passkeys, totp
from auth.mfa.state import mfa_state


@click.command("reset-mfa")
@click.argument("name")
@with_appcontext
def reset_mfa(name: str) -> None:
    """Remove NAME's authenticator app, recovery codes and passkeys."""
    user = find_user(name)
    if user is None:
        raise click.ClickException(f"No user named {name!r}.")
    had_totp = totp.remove(user.id)
    mfa_state().recovery.remove_all(user.id)
    removed = passkeys.remove_all(user.id)
    attempts.remove_for_user(user.id)
    failure_cap.clear(user.id)
    audit("mfa_reset", user_id=user.id, totp=had_totp, passkeys=removed, by="cli")
    click.echo(
        f"Second factors of {user.username} removed: authenticator app {'yes' if had_totp else 'none'}, "
        f"{removed} passkey(s), recovery codes."
    )
