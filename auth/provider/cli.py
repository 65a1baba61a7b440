"""``flask clients ...``: register the apps that sign in with this server."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from auth.core.audit import audit
from auth.provider import clients

clients_cli = AppGroup("clients", help="Apps that sign in with this server (OpenID Connect).")


@clients_cli.command("create")
@click.argument("name")
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True, help="Exact redirect URI (repeatable).")
@click.option("--public", is_flag=True, help="A browser or native app without a secret (PKCE S256 required).")
@click.option("--trusted", is_flag=True, help="First-party app: no consent page.")
@click.option("--scopes", "scopes", multiple=True, help="Allowed scopes, space- or comma-separated (repeatable).")
@click.option("--post-logout-redirect-uri", "logout_uris", multiple=True, help="Where logout may return (repeatable).")
def create(
    name: str,
    redirect_uris: tuple[str, ...],
    public: bool,
    trusted: bool,
    scopes: tuple[str, ...],
    logout_uris: tuple[str, ...],
) -> None:
    """Register NAME; prints its client id and (for a confidential client) its secret, once."""
    wanted = [s for item in scopes for s in item.replace(",", " ").split()] or None
    try:
        created = clients.create(
            name,
            redirect_uris=list(redirect_uris),
            public=public,
            trusted=trusted,
            scopes=wanted,
            post_logout_redirect_uris=list(logout_uris),
        )
    except clients.ClientError as error:
        raise click.ClickException(str(error)) from None
    audit("client_created", client_id=created.client_id, public=public, trusted=trusted, by="cli")
    click.echo(f"client_id: {created.client_id}")
    if created.secret:
        click.echo(f"client_secret: {created.secret}")
        click.echo("The secret is shown only this once; store it now.")


@clients_cli.command("list")
def list_clients() -> None:
    """Every registered app (no secrets)."""
    for row in clients.clients_list():
        kind = "public" if row["public"] else "confidential"
        flags = kind + (", trusted" if row["trusted"] else "")
        click.echo(f"{row['client_id']}  {row['name']}  ({flags})  scopes: {' '.join(row['scopes'])}")
        for uri in row["redirect_uris"]:
            click.echo(f"    redirect: {uri}")
        for uri in row["post_logout_redirect_uris"]:
            click.echo(f"    after logout: {uri}")


@clients_cli.command("rotate-secret")
@click.argument("client_id")
def rotate_secret(client_id: str) -> None:
    """Give CLIENT_ID a new secret (the old one stops working now)."""
    try:
        secret = clients.rotate_secret(client_id)
    except clients.ClientError as error:
        raise click.ClickException(str(error)) from None
    audit("client_secret_rotated", client_id=client_id, by="cli")
    click.echo(f"client_secret: {secret}")


@clients_cli.command("delete")
@click.argument("client_id")
def delete(client_id: str) -> None:
    """Remove CLIENT_ID with its codes, tokens and consents."""
    try:
        clients.delete(client_id)
    except clients.ClientError as error:
        raise click.ClickException(str(error)) from None
    audit("client_deleted", client_id=client_id, by="cli")
    click.echo(f"Client {client_id} deleted.")
