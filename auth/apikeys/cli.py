"""``flask api-keys create USER --name N --scopes S [--expires-in SECONDS]``, ``list USER``, ``revoke ID``.

For service accounts: an operator mints a key without signing in as the
user. The key is printed once, on its own line, for a script to capture.
"""

from __future__ import annotations

import time

import click

from auth.apikeys.state import api_key_state
from auth.apikeys.store import create_key, find_key, keys_of, revoke_key
from auth.apikeys.views import parse_scopes
from auth.core.accounts import find_user
from auth.core.audit import audit
from auth.core.errors import AuthError
from auth.core.state import auth_state
from auth.ops.cli import _DatabaseGroup

api_keys = _DatabaseGroup("api-keys", help="Create, list and revoke API keys.")


@api_keys.command("create")
@click.argument("user")
@click.option("--name", required=True, help="What the key is for.")
@click.option("--scopes", default="", help="Scope names, separated by commas or spaces.")
@click.option("--expires-in", type=click.IntRange(min=1), default=None, help="Seconds until the key expires.")
def create(user: str, name: str, scopes: str, expires_in: int | None) -> None:
    """Create a key for USER and print it (it is shown only this once)."""
    owner = find_user(user)
    if owner is None:
        raise click.ClickException(f"No user named {user!r}.")
    try:
        created = create_key(
            owner.id,
            name=name.strip() or "key",
            scopes=parse_scopes(scopes.replace(",", " ").split()),
            expires_in=expires_in,
            org_id=None,
            per_user=api_key_state().settings.per_user,
            now=time.time(),
        )
    except AuthError as error:
        raise click.ClickException(error.message) from None
    key = created.api_key
    audit("api_key_created", user_id=owner.id, key_id=str(key.id), prefix=key.prefix, scopes=key.scopes, by="cli")
    click.echo(f"Created API key {key.id} ({key.prefix}...) for {owner.username}; it is shown only now:", err=True)
    click.echo(created.key)


@api_keys.command("list")
@click.argument("user")
def list_command(user: str) -> None:
    """List USER's keys: id, prefix, name, scopes, expiry."""
    owner = find_user(user)
    if owner is None:
        raise click.ClickException(f"No user named {user!r}.")
    for key in keys_of(owner.id):
        expires = time.strftime("%Y-%m-%d %H:%M", time.gmtime(key.expires_at)) if key.expires_at else "never"
        click.echo(f"{key.id}\t{key.prefix}...\t{key.name}\t{','.join(key.scopes) or '-'}\texpires {expires}")


@api_keys.command("revoke")
@click.argument("key_id")
def revoke(key_id: str) -> None:
    """Revoke the key with this id, in every process within a second."""
    key = find_key(key_id)
    if key is None:
        raise click.ClickException(f"No live API key with id {key_id!r}.")
    revoke_key(auth_state(), key, time.time())
    audit("api_key_revoked", user_id=key.user_id, key_id=key_id, by="cli")
    click.echo(f"Revoked API key {key_id}.")
