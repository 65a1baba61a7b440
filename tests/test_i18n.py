"""Languages of the built-in pages and mails (docs/i18n.md).

The catalogues are complete and alike (no language lacks a key another has,
nothing untranslated or fuzzy, the committed .mo files are the compiled .po
files); the language comes from ``?lang=`` (remembered in the ``lang``
cookie), then ``Accept-Language``, then English; mails are written in the
language of the request that asked for them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from auth.web.i18n import LANGUAGES
from tests.conftest import PASSWORD, add_user
from tests.mailsink import MailSink, html_of, text_of

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
TRANSLATED = [code for code in LANGUAGES if code != "en"]
GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def catalogue(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def template_ids() -> set:
    with (TRANSLATIONS / "messages.pot").open("rb") as pot:
        return {m.id for m in read_po(pot) if m.id}


def problems(language: str, expected: set) -> list[str]:
    """What is wrong with one catalogue against the template's keys."""
    found = []
    cat = catalogue(language)
    ids = {m.id for m in cat if m.id}
    found += [f"{language} lacks {key!r}" for key in sorted(map(str, expected - ids))]
    found += [f"{language} has a key the template does not: {key!r}" for key in sorted(map(str, ids - expected))]
    for message in cat:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"{language}: {message.id!r} is untranslated")
        if message.fuzzy:
            found.append(f"{language}: {message.id!r} is fuzzy")
        placeholders = set(re.findall(r"%\(\w+\)[sd]", str(message.id)))
        if any(set(re.findall(r"%\(\w+\)[sd]", s or "")) != placeholders for s in strings):
            found.append(f"{language}: {message.id!r} does not keep its placeholders")
    return found


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalogue_has_every_key_translated(language: str) -> None:
    assert problems(language, template_ids()) == []


def test_the_catalogues_have_the_same_keys() -> None:
    keys = {language: {m.id for m in catalogue(language) if m.id} for language in TRANSLATED}
    assert all(ids == keys["de"] for ids in keys.values())
    assert len(keys["de"]) > 250


def test_the_parity_check_can_fail() -> None:
    """A key another language has but German lacks, and an untranslated one, are reported."""
    extra = template_ids() | {"A sentence only the template has."}
    assert problems("de", extra) == ["de lacks 'A sentence only the template has.'"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_mo_is_the_compiled_po(language: str) -> None:
    """A fresh clone serves what the .po says: the .mo is rebuilt with ``pybabel compile``."""
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))
    committed = (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert committed == compiled.getvalue(), f"run: pybabel compile -d translations ({language} is stale)"


def heading(page: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert match, page[:500]
    return match.group(1).strip()


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', page)
    assert match, page[:200]
    return match.group(1)


def test_accept_language_german_gets_the_sign_in_page_in_german(client: FlaskClient) -> None:
    page = client.get("/auth/login", headers=GERMAN).get_data(as_text=True)
    assert html_lang(page) == "de"
    assert heading(page) == "Anmelden"
    assert '<label for="username">Benutzername</label>' in page
    assert '<label for="password">Passwort</label>' in page
    assert "Diese Seite ist in die API eingebaut" in page


def test_a_failed_sign_in_says_why_in_german(app: Flask, client: FlaskClient) -> None:
    add_user(app)
    reply = client.post("/auth/login", data={"username": "alice", "password": "wrong password"}, headers=GERMAN)
    assert reply.status_code == 401
    assert "Benutzername oder Passwort ist falsch." in reply.get_data(as_text=True)
    # The JSON reply of the same failure stays English, with its code for the frontend.
    json_reply = client.post("/auth/login", json={"username": "alice", "password": "wrong"}, headers=GERMAN)
    assert json_reply.get_json()["error"] == "invalid_credentials"
    assert json_reply.get_json()["message"] == "Invalid username or password."


def test_accept_language_german_gets_the_account_page_in_german(app: Flask, client: FlaskClient) -> None:
    add_user(app)
    assert client.post("/auth/login", json={"username": "alice", "password": PASSWORD}).status_code == 200
    page = client.get("/auth/account", headers=GERMAN).get_data(as_text=True)
    assert html_lang(page) == "de"
    assert heading(page) == "Ihr Konto"
    assert "Wo Sie angemeldet sind" in page
    assert "Überall abmelden" in page
    assert "(dieses Gerät)" in page
    # A notice a form action sends the page back with is German too.
    notice = client.get("/auth/account?notice=session-ended", headers=GERMAN).get_data(as_text=True)
    assert "Die Sitzung wurde abgemeldet." in notice


def test_lang_parameter_sets_a_cookie_that_keeps_french(client: FlaskClient) -> None:
    first = client.get("/auth/login?lang=fr", headers=GERMAN)
    assert heading(first.get_data(as_text=True)) == "Se connecter"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "fr" and cookie.path == "/"
    assert "lang=fr" in first.headers["Set-Cookie"] and "SameSite=Lax" in first.headers["Set-Cookie"]
    # The next page, without the parameter and with a German browser, stays French.
    following = client.get("/auth/login", headers=GERMAN).get_data(as_text=True)
    assert html_lang(following) == "fr"
    assert '<label for="username">Nom d\u2019utilisateur</label>' in following


def test_the_language_chooser_links_to_this_page_in_each_language(client: FlaskClient) -> None:
    page = client.get("/auth/login?next=/auth/account", headers=GERMAN).get_data(as_text=True)
    chooser = re.search(r'<nav class="languages".*?</nav>', page, re.S)
    assert chooser, page
    links = dict(re.findall(r'href="([^"]+)" hreflang="(\w+)"', chooser.group(0)))
    assert set(links.values()) == {"en", "de", "fr", "es"}
    assert "/auth/login?next=%2Fauth%2Faccount&amp;lang=es" in links
    assert 'hreflang="de" lang="de" aria-current="true"' in chooser.group(0)


@pytest.mark.parametrize(
    "headers",
    [{"Accept-Language": "ja-JP,ja;q=0.9"}, {"Accept-Language": "xx"}, {}],
    ids=["japanese", "nonsense", "none"],
)
def test_an_unsupported_language_falls_back_to_english(client: FlaskClient, headers: dict[str, str]) -> None:
    page = client.get("/auth/login?lang=ja", headers=headers)
    assert heading(page.get_data(as_text=True)) == "Sign in"
    assert html_lang(page.get_data(as_text=True)) == "en"
    assert "Set-Cookie" not in page.headers or "lang=" not in page.headers["Set-Cookie"]


def test_a_forged_cookie_value_is_ignored(client: FlaskClient) -> None:
    client.set_cookie("lang", "../../etc")
    page = client.get("/auth/login", headers=GERMAN).get_data(as_text=True)
    assert heading(page) == "Anmelden"


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], sink: MailSink) -> Flask:
    app = make_app(MAIL_URL=sink.url)
    result = app.test_cli_runner().invoke(
        args=["users", "create", "alice", "--password-stdin", "--email", "alice@mail.test"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    return app


def test_the_reset_mail_is_written_in_the_language_of_the_request(mail_app: Flask, sink: MailSink) -> None:
    client = mail_app.test_client()
    assert client.post("/auth/password/forgot", json={"email": "alice@mail.test"}, headers=GERMAN).status_code == 202
    assert mail_app.extensions["mail"].outbox.wait_idle(30)
    mail = sink.wait_for("alice@mail.test")
    assert mail["Subject"] == "Setzen Sie Ihr Passwort zurück"
    text = text_of(mail)
    assert text.startswith("Hallo alice,")
    assert "Wählen Sie hier ein neues Passwort:" in text
    assert "Mit einem neuen Passwort werden Sie überall abgemeldet." in text
    html = html_of(mail)
    assert '<html lang="de">' in html and "Neues Passwort wählen</a>" in html


def test_a_mail_asked_for_in_english_stays_english(mail_app: Flask, sink: MailSink) -> None:
    """The worker's language is the request's, not left over from an earlier German job."""
    client = mail_app.test_client()
    client.post("/auth/password/forgot", json={"email": "alice@mail.test"}, headers=GERMAN)
    client.post("/auth/password/forgot", json={"email": "alice@mail.test"}, headers={"Accept-Language": "en"})
    assert mail_app.extensions["mail"].outbox.wait_idle(30)
    sink.wait_for("alice@mail.test", 2)
    subjects = sorted(m["Subject"] for m in sink.to("alice@mail.test"))
    assert subjects == ["Reset your password", "Setzen Sie Ihr Passwort zurück"]
