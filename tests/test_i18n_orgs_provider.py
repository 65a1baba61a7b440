"""The organisations' and the OpenID provider's built-in pages and mail speak the reader's language.

The consent page (with its scope sentences), the invitation acceptance page and
the invitation mail are German for a German browser; the mail follows the
language of the inviter's request, as the core's mails do (docs/i18n.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask

from tests.conftest import add_user
from tests.mailsink import MailSink, html_of, link_in, text_of
from tests.provider_flow import authorize_params, pkce, register, rsa_key_file
from tests.test_i18n import GERMAN, heading, html_lang
from tests.test_orgs import BOB, add, invite_link, make_org, signed_in, token_of


def test_the_consent_page_is_german_with_its_scope_sentences(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    app = make_app(OIDC_PROVIDER_ENABLED="true", OIDC_PROVIDER_KEY_FILE=rsa_key_file(tmp_path))
    add_user(app, "alice")
    rp = register(app, "--scopes", "openid profile email", name="Notizen")
    browser = signed_in(app, "alice")
    params = authorize_params(rp.client_id, pkce().challenge, scope="openid profile email")
    page = browser.get("/oauth2/authorize", query_string=params, headers=GERMAN)
    assert page.status_code == 200, page.text
    assert html_lang(page.text) == "de"
    assert heading(page.text) == "Notizen möchte Ihr Konto verwenden"
    assert "<li>Ihre E-Mail-Adresse sehen</li>" in page.text
    assert "<li>wissen, wer Sie auf diesem Server sind</li>" in page.text
    assert ">Erlauben</button>" in page.text and ">Ablehnen</button>" in page.text
    assert 'Angemeldet als <strong id="consent-user">alice</strong>. Die App möchte:' in page.text


def test_the_invitation_page_is_german(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    add(app, "alice", "alice@example.com")
    add(app, "bob", BOB)
    alice = signed_in(app, "alice")
    make_org(alice, name="Acme & Co")
    token = token_of(invite_link(alice))
    page = signed_in(app, "bob").get(f"/auth/invitations/accept?token={token}", headers=GERMAN)
    assert page.status_code == 200 and html_lang(page.text) == "de"
    assert heading(page.text) == "Einladung"
    # The organisation's name is escaped inside the translated sentence.
    assert "Sie sind eingeladen, <strong>Acme &amp; Co</strong> als <strong>member</strong> beizutreten." in page.text
    assert ">Acme &amp; Co beitreten</button>" in page.text
    gone = app.test_client().get("/auth/invitations/accept?token=nope", headers=GERMAN)
    assert "Diese Einladung ist ungültig, schon benutzt oder abgelaufen; bitten Sie um eine neue." in gone.text


def test_the_invitation_mail_is_in_the_inviters_language(make_app: Callable[..., Flask], sink: MailSink) -> None:
    app = make_app(MAIL_URL=sink.url)
    add(app, "alice", "alice@example.com")
    alice = signed_in(app, "alice")
    make_org(alice)
    invitation = {"email": BOB, "role": "admin", "send": True}
    reply = alice.post("/auth/orgs/acme/invitations", json=invitation, headers=GERMAN)
    assert reply.status_code == 201, reply.text
    assert app.extensions["mail"].outbox.wait_idle(30)
    mail = sink.wait_for(BOB)
    assert mail["Subject"] == "Sie sind eingeladen, einer Organisation beizutreten"
    text = text_of(mail)
    assert "alice lädt Sie ein, Acme als admin beizutreten." in text
    assert "Der Link funktioniert einmal und 7 Tage lang." in text
    assert "Wenn Sie das nicht erwartet haben, können Sie diese E-Mail ignorieren." in text
    assert "alice lädt Sie ein, <strong>Acme</strong> als admin beizutreten." in html_of(mail)
    assert "/auth/invitations/accept?token=" in link_in(mail)
