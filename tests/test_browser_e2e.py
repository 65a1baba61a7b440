"""End to end: the example Next.js app and the API in real Chromium and real Firefox.

Three deployments ("shapes") run side by side on 127.0.0.1, each with its own
API process, database and ``next start`` of one ``next build``:

- ``dev``: http://localhost, the API (``flask run``) and the app on two ports,
  ENVIRONMENT=DEV, SameSite=Lax cookies without Secure, tokens signed with
  EdDSA (so ``proxy.ts`` checks them locally against the JWKS; the other
  shapes keep HS256 and the probe).
- ``prod``: https://app.example.test and https://api.example.test through
  nginx, which terminates TLS with a certificate from a throwaway CA made here
  with openssl; ENVIRONMENT=PROD under gunicorn, COOKIE_DOMAIN=example.test,
  SameSite=None; Secure.
- ``cross-site``: https://app.frontend.test -> https://api.backend.test,
  COOKIE_PARTITIONED=true; the app checks the session client side.

Both browsers are Debian's (``/usr/bin/chromium`` through playwright-core,
``/usr/bin/firefox-esr`` through puppeteer-core over WebDriver BiDi) and trust
the CA through an NSS database, not by ignoring certificate errors; the
``.test`` names resolve to 127.0.0.1 inside the browsers only
(tests/e2e/browsers.mjs). One more deployment reproduces the tutorial's bug,
``SameSite=None`` without ``Secure`` over http, and checks that a browser then
does not stay logged in.

Every (browser, shape, scenario) is its own test id, and prints one line:
``E2E chromium dev login-lands-on-dashboard PASS``.

Missing browsers, nginx, openssl, certutil or node_modules skip these tests
with the reason; with CI=true they fail instead. Setup, for a fresh machine:
``apt-get install chromium firefox-esr nginx openssl libnss3-tools nodejs npm``,
then ``npm ci`` in clients/next (it builds the package the app installs),
examples/nextjs and tests/e2e.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.mailsink import MailSink
from tests.servers import flask_cli as run_flask

ROOT = Path(__file__).resolve().parent.parent
NEXT_APP = ROOT / "examples" / "nextjs"
HARNESS = ROOT / "tests" / "e2e"
BIN = Path(sys.executable).parent

BROWSERS = ("chromium", "firefox")
SHAPES = ("dev", "prod", "cross-site")
CORE_SCENARIOS = (
    "unauthenticated-dashboard-redirects-to-login",
    "login-lands-on-dashboard",
    "reload-keeps-session",
    "silent-refresh-keeps-session",
    "logout-returns-to-login",
    "wrong-password-sets-no-cookie",
    "builtin-signin-page",
)


def capability_scenarios() -> tuple[str, ...]:
    """Names defined in tests/e2e/scenarios/*.mjs, each written as ``async "name"(cfg, s)``."""
    names: list[str] = []
    for module in sorted((HARNESS / "scenarios").glob("*.mjs")):
        names += re.findall(r'^\s*async "([a-z0-9-]+)"\(', module.read_text(), flags=re.MULTILINE)
    return tuple(names)


SCENARIOS = CORE_SCENARIOS + capability_scenarios()
INSECURE_SHAPE = "dev-samesite-none-insecure"

USERNAME = "alice"
PASSWORD = "Violet-Harbor-Lantern-42"
# One user per (second-factor scenario, browser): enrolment in one run must not
# change what another run meets (tests/e2e/scenarios/mfa.mjs names them so).
MFA_USERS = tuple(f"{kind}-{browser}" for kind in ("totp", "passkey") for browser in BROWSERS)
# The admin scenario's admin and the user it locks and signs in as, per browser
# (tests/e2e/scenarios/admin.mjs names them so).
ADMIN_USERS = tuple(f"admin-{browser}" for browser in BROWSERS)
TARGET_USERS = tuple(f"target-{browser}" for browser in BROWSERS)
# One user per browser for the OpenID provider scenario (tests/e2e/scenarios/provider.mjs),
# enrolled in TOTP before the browsers start.
RP_USERS = tuple(f"rp-{browser}" for browser in BROWSERS)
ACCESS_TTL = 3  # seconds; the silent-refresh scenario waits past it

PROD_HOSTS = ("app.example.test", "api.example.test")
CROSS_HOSTS = ("app.frontend.test", "api.backend.test")

# Everything the server reads from the environment (SPEC.md), removed from the
# inherited environment so a developer's shell or .env cannot leak into a shape.
SERVER_VARS = (
    "ENVIRONMENT",
    "JWT_SECRET",
    "JWT_ALGORITHM",
    "JWT_PRIVATE_KEY_FILE",
    "FRONTEND_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "COOKIE_DOMAIN",
    "COOKIE_SAMESITE",
    "COOKIE_SECURE",
    "COOKIE_PARTITIONED",
    "ACCESS_TOKEN_TTL",
    "REFRESH_TOKEN_TTL",
    "REFRESH_GRACE_SECONDS",
    "ALLOW_REGISTRATION",
    "TRUSTED_PROXY_COUNT",
    "CSRF_MODE",
    "RATELIMIT_ENABLED",
    "HIBP_URL",
    "SESSION_LIMIT_PER_USER",
    "UNSAFE_TEST_COOKIE_SAMESITE_NONE_INSECURE",
    "MAIL_URL",
    "MAIL_FROM",
    "EMAIL_LINK_URL",
    "ALLOW_MAGIC_LINKS",
    "EMAIL_TOKEN_TTL",
    "WEBAUTHN_RP_ID",
    "WEBAUTHN_ORIGINS",
    "MFA_REQUIRED_ROLES",
    "ADMIN_ROLES",
    "ADMIN_REQUIRE_MFA",
    "IMPERSONATION_TTL",
    "AUDIT_RETENTION_DAYS",
    "INSTANCE_PATH",
    "FLASK_APP",
    "FLASK_RUN_HOST",
    "FLASK_RUN_PORT",
    "OIDC_PROVIDERS",
    "OIDC_CREATE_USERS",
    "OIDC_LINK_VERIFIED_EMAIL",
    "OIDC_PROVIDER_ENABLED",
    "OIDC_PROVIDER_ISSUER",
    "OIDC_PROVIDER_KEY_FILE",
)

pytestmark = [pytest.mark.browser, pytest.mark.live]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(reason: str) -> None:
    """Skip on a developer machine; fail under CI, where everything must be installed."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def prerequisites() -> list[str]:
    problems: list[str] = []
    for label, path in (
        ("chromium", os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")),
        ("firefox-esr", os.environ.get("FIREFOX_PATH", "/usr/bin/firefox-esr")),
    ):
        if not os.access(path, os.X_OK):
            problems.append(f"{label} is not installed at {path}")
    for tool in ("nginx", "openssl", "certutil", "node"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            problems.append(f"`{tool}` is not on PATH")
    for folder, package in (
        (NEXT_APP, "next"),
        (NEXT_APP, "@flask-auth/next"),
        (HARNESS, "playwright-core"),
        (HARNESS, "puppeteer-core"),
    ):
        if not (folder / "node_modules" / package / "package.json").exists():
            problems.append(f"{folder.relative_to(ROOT)}/node_modules lacks {package} (run `npm ci` there)")
    if not (BIN / "flask").exists() or not (BIN / "gunicorn").exists():
        problems.append(f"flask and gunicorn are not installed beside {sys.executable}")
    return problems


def nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return f"({path} unreadable)"
    return "\n".join(text[-lines:])


# --------------------------------------------------------------------------- processes


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


@dataclass
class Processes:
    """Processes this test module started; each in its own process group, ended by that id."""

    logs: Path
    procs: list[Proc] = field(default_factory=list)

    def start(self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path) -> Proc:
        log = self.logs / f"{name}.log"
        handle = log.open("wb")
        popen = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        handle.close()
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in reversed(self.procs):
            try:
                proc.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait(timeout=5)
        self.procs.clear()


def wait_until(check: Callable[[], bool], what: str, proc: Proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode} before {what}:\n{tail(proc.log)}")
        with contextlib.suppress(OSError, urllib.error.URLError, ssl.SSLError):
            if check():
                return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}:\n{tail(proc.log)}")


def http_ok(url: str) -> bool:
    request = urllib.request.Request(url, headers={"Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return bool(response.status < 500)
    except urllib.error.HTTPError as error:
        return error.code < 500


def https_status(port: int, host: str, path: str, cafile: Path) -> int:
    """GET through nginx as a browser would: SNI and Host set to the name, chain checked against the CA."""
    context = ssl.create_default_context(cafile=str(cafile))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=3) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        head = tls.recv(64).decode("latin-1")
    return int(head.split(" ", 2)[1])


# --------------------------------------------------------------------------- TLS


def run_openssl(args: list[str], cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(folder: Path, hosts: tuple[str, ...]) -> tuple[Path, Path, Path]:
    """A throwaway CA and one server certificate for every host name; returns (ca, cert, key)."""
    folder.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run_openssl(
        [
            "req",
            "-x509",
            *ec,
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=flask-auth e2e throwaway CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        folder,
    )
    run_openssl(["req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={hosts[0]}"], folder)
    (folder / "server.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        f"subjectAltName={','.join(f'DNS:{host}' for host in hosts)}\n"
    )
    run_openssl(
        [
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
        folder,
    )
    (folder / "ca.key").unlink()
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


def rsa_key(folder: Path) -> Path:
    """A throwaway RSA key (PEM) that signs the OpenID provider's ID tokens (RS256)."""
    folder.mkdir(parents=True, exist_ok=True)
    run_openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem"], folder)
    return folder / "rsa.pem"


def ed25519_key(folder: Path) -> Path:
    """A throwaway Ed25519 signing key (PEM) for a shape that signs with EdDSA."""
    folder.mkdir(parents=True, exist_ok=True)
    run_openssl(["genpkey", "-algorithm", "ed25519", "-out", "ed25519.pem"], folder)
    return folder / "ed25519.pem"


def nginx_config(folder: Path, port: int, cert: Path, key: Path, upstreams: dict[str, int]) -> Path:
    servers = "\n".join(
        f"""
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name {host};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
        }}
    }}"""
        for host, upstream in upstreams.items()
    )
    temp = {name: folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder / "access.log"};
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $host;
    proxy_set_header X-Forwarded-Port $server_port;
    server {{
        listen 127.0.0.1:{port} ssl default_server;
        return 421;
    }}
{servers}
}}
"""
    )
    return conf


# --------------------------------------------------------------------------- deployments


@dataclass
class Shape:
    name: str
    app_url: str
    api_url: str
    cross_site: bool
    resolve_hosts: tuple[str, ...]
    api_port: int
    next_port: int
    api_env: dict[str, str]
    gunicorn: bool
    ca: Path | None = None

    @property
    def jwt_algorithm(self) -> str:
        return self.api_env.get("JWT_ALGORITHM", "HS256")


@dataclass
class Deployment:
    tmp: Path
    procs: Processes
    shapes: dict[str, Shape]
    ca: Path
    mail_sink_url: str
    built: bool = False
    started: set[str] = field(default_factory=set)
    results: dict[tuple[str, str], dict[str, dict[str, object]]] = field(default_factory=dict)
    # shape -> the relying party's URL and the TOTP secrets of RP_USERS
    relying_parties: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARS}
    env["FLASK_SKIP_DOTENV"] = "1"
    env["NEXT_TELEMETRY_DISABLED"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def mail_users(shape: str) -> dict[str, str | None]:
    """The users the mail scenarios (tests/e2e/scenarios/mail.mjs) sign in as, by name, with their
    verified address: one per browser, so a password reset in one browser leaves the other's user
    and the core scenarios' user alone. The verify scenario's users start without an address.
    The organisation scenario (tests/e2e/scenarios/orgs.mjs) has an owner and an invited member.
    """
    users: dict[str, str | None] = {}
    for browser in BROWSERS:
        for purpose in ("reset", "magic", "verify", "orgowner", "orgmember"):
            name = f"{purpose}-{browser}"
            users[name] = None if purpose == "verify" else f"{name}.{shape}@mail.test"
    return users


def plan(tmp: Path, https_port: int, ca: Path, oidc_issuer: str, mail_url: str) -> dict[str, Shape]:
    id_token_key = rsa_key(tmp / "keys")

    def api_env(name: str, **extra: str) -> dict[str, str]:
        folder = tmp / name
        folder.mkdir(parents=True, exist_ok=True)
        return {
            "DATABASE_URL": f"sqlite:///{folder / 'auth.sqlite3'}",
            "INSTANCE_PATH": str(folder / "instance"),
            "JWT_SECRET": secrets.token_hex(32),
            "ACCESS_TOKEN_TTL": str(ACCESS_TTL),
            "RATELIMIT_ENABLED": "false",
            # The admin scenario's admins have no second factor (tests/e2e/scenarios/admin.mjs).
            "ADMIN_REQUIRE_MFA": "false",
            "HIBP_URL": "off",  # the tests never reach the internet
            # Request lines in the API's log (flask run writes them anyway):
            # scenarios count probe calls there.
            "GUNICORN_ACCESS_LOG": "-",
            # Cheap password hashing: the tests time browsers, not argon2.
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_KIB": "1024",
            "ARGON2_PARALLELISM": "1",
            # oidc-provider-mock, as the browser and the API both reach it (tests/e2e/scenarios/oidc.mjs).
            "OIDC_PROVIDERS": "mock",
            "OIDC_MOCK_ISSUER": oidc_issuer,
            "OIDC_MOCK_CLIENT_ID": "flask-auth-e2e",
            "OIDC_MOCK_CLIENT_SECRET": secrets.token_hex(16),
            # Mail goes to the SMTP sink in the pytest process; links open the app's pages.
            "MAIL_URL": mail_url,
            "ALLOW_MAGIC_LINKS": "true",
            # The built-in registration page (tests/e2e/scenarios/first-time-user.mjs).
            "ALLOW_REGISTRATION": "true",
            # This server as an OpenID provider for the relying party (tests/relying_party.py).
            "OIDC_PROVIDER_ENABLED": "true",
            "OIDC_PROVIDER_KEY_FILE": str(id_token_key),
            **extra,
        }

    shapes: dict[str, Shape] = {}
    eddsa = {"JWT_ALGORITHM": "EdDSA", "JWT_PRIVATE_KEY_FILE": str(ed25519_key(tmp / "keys"))}
    for name, extra in (("dev", eddsa), (INSECURE_SHAPE, {"UNSAFE_TEST_COOKIE_SAMESITE_NONE_INSECURE": "true"})):
        api_port, next_port = free_port(), free_port()
        shapes[name] = Shape(
            name=name,
            app_url=f"http://localhost:{next_port}",
            api_url=f"http://localhost:{api_port}",
            cross_site=False,
            resolve_hosts=(),
            api_port=api_port,
            next_port=next_port,
            api_env=api_env(
                name,
                ENVIRONMENT="DEV",
                FRONTEND_URL=f"http://localhost:{next_port}",
                EMAIL_LINK_URL=f"http://localhost:{next_port}",
                OIDC_PROVIDER_ISSUER=f"http://localhost:{api_port}",
                **extra,
            ),
            gunicorn=False,
        )

    def https_shape(name: str, hosts: tuple[str, str], *, cross_site: bool, **extra: str) -> Shape:
        """A production-shaped deployment behind nginx: PROD cookies over TLS."""
        app_host, api_host = hosts
        frontend = f"https://{app_host}:{https_port}"
        return Shape(
            name=name,
            app_url=frontend,
            api_url=f"https://{api_host}:{https_port}",
            cross_site=cross_site,
            resolve_hosts=hosts,
            api_port=free_port(),
            next_port=free_port(),
            api_env=api_env(
                name,
                ENVIRONMENT="PROD",
                FRONTEND_URL=frontend,
                EMAIL_LINK_URL=frontend,
                TRUSTED_PROXY_COUNT="1",
                OIDC_PROVIDER_ISSUER=f"https://{api_host}:{https_port}",
                **extra,
            ),
            gunicorn=True,
            ca=ca,
        )

    shapes["prod"] = https_shape("prod", PROD_HOSTS, cross_site=False, COOKIE_DOMAIN="example.test")
    shapes["cross-site"] = https_shape("cross-site", CROSS_HOSTS, cross_site=True, COOKIE_PARTITIONED="true")
    return shapes


def flask_cli(shape: Shape, *args: str, stdin: str | None = None) -> None:
    result = run_flask({**base_env(), **shape.api_env}, *args, stdin=stdin)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def build_next(dep: Deployment) -> None:
    if dep.built:
        return
    if os.environ.get("E2E_SKIP_NEXT_BUILD") == "1" and (NEXT_APP / ".next" / "BUILD_ID").exists():
        dep.built = True
        return
    log = dep.procs.logs / "next-build.log"
    with log.open("wb") as handle:
        result = subprocess.run(
            [str(NEXT_APP / "node_modules" / ".bin" / "next"), "build"],
            cwd=NEXT_APP,
            env=base_env(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            timeout=600,
        )
    if result.returncode != 0:
        raise RuntimeError(f"next build failed ({result.returncode}):\n{tail(log, 60)}")
    dep.built = True


def start_shape(dep: Deployment, name: str) -> Shape:
    shape = dep.shapes[name]
    if name in dep.started:
        return shape
    build_next(dep)
    flask_cli(shape, "db", "upgrade")
    for user_name in (USERNAME, *MFA_USERS, *TARGET_USERS, *RP_USERS):
        flask_cli(shape, "users", "create", user_name, "--password-stdin", stdin=f"{PASSWORD}\n")
    for user_name in ADMIN_USERS:
        flask_cli(shape, "users", "create", user_name, "--role", "admin", "--password-stdin", stdin=f"{PASSWORD}\n")
    for user, email in (mail_users(name) if name != INSECURE_SHAPE else {}).items():
        flask_cli(
            shape,
            "users",
            "create",
            user,
            *(["--email", email] if email else []),
            "--password-stdin",
            stdin=f"{PASSWORD}\n",
        )
    env = {**base_env(), **shape.api_env}
    if shape.gunicorn:
        argv = [str(BIN / "gunicorn"), "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{shape.api_port}", "app:app"]
    else:
        argv = [str(BIN / "flask"), "--app", "app", "run", "--host", "127.0.0.1", "--port", str(shape.api_port)]
    api = dep.procs.start(f"{name}-api", argv, env=env, cwd=ROOT)
    next_env = {
        **base_env(),
        # Read at request time by the app (examples/nextjs/lib/config.ts).
        "NEXT_PUBLIC_API_URL": shape.api_url,
        "API_INTERNAL_URL": f"http://127.0.0.1:{shape.api_port}",
        "NEXT_PUBLIC_AUTH_MODE": "cross-site" if shape.cross_site else "same-site",
    }
    app = dep.procs.start(
        f"{name}-next",
        [str(NEXT_APP / "node_modules" / ".bin" / "next"), "start", "-H", "127.0.0.1", "-p", str(shape.next_port)],
        env=next_env,
        cwd=NEXT_APP,
    )
    wait_until(lambda: http_ok(f"http://127.0.0.1:{shape.api_port}/healthz"), f"{name} API /healthz", api)
    wait_until(lambda: http_ok(f"http://127.0.0.1:{shape.next_port}/"), f"{name} Next.js app", app)
    dep.relying_parties[name] = start_relying_party(dep, shape)
    dep.started.add(name)
    return shape


def start_relying_party(dep: Deployment, shape: Shape) -> tuple[str, dict[str, str]]:
    """Register tests/relying_party.py as a client, start it, and enrol RP_USERS in TOTP; its URL and their secrets."""
    port = free_port()
    env = {**base_env(), **shape.api_env}
    created = run_flask(
        env,
        "clients",
        "create",
        "E2E relying party",
        "--redirect-uri",
        f"http://127.0.0.1:{port}/callback",
        "--scopes",
        "openid profile offline_access",
    )
    if created.returncode != 0:
        raise RuntimeError(f"flask clients create failed:\n{created.stdout}{created.stderr}")
    registered = dict(line.split(": ", 1) for line in created.stdout.splitlines() if ": " in line)
    api = f"http://127.0.0.1:{shape.api_port}"
    rp = dep.procs.start(
        f"{shape.name}-rp",
        [sys.executable, "-m", "tests.relying_party"],
        env={
            **base_env(),
            "RP_PORT": str(port),
            "RP_ISSUER": shape.api_env["OIDC_PROVIDER_ISSUER"],
            "RP_API": api,
            "RP_CLIENT_ID": registered["client_id"],
            "RP_CLIENT_SECRET": registered["client_secret"],
        },
        cwd=ROOT,
    )
    wait_until(lambda: relying_party_answers(port), f"{shape.name} relying party", rp)
    return f"http://127.0.0.1:{port}", {user: enrol_totp(api, user) for user in RP_USERS}


def relying_party_answers(port: int) -> bool:
    """Our relying party itself answers on ``port`` (not some other process that took it)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3) as response:
        return b"relying-party-ok" in response.read()


def enrol_totp(api: str, user: str) -> str:
    """Sign ``user`` in over HTTP and enrol an authenticator app; returns its secret.

    The cookie is sent by hand: PROD cookies are Secure and this talks plain
    http to the API behind nginx.
    """
    import pyotp
    import requests

    login = requests.post(f"{api}/auth/login", json={"username": user, "password": PASSWORD}, timeout=30)
    assert login.status_code == 200, login.text
    # Read from the header: a requests jar drops cookies whose Domain is not 127.0.0.1's.
    access = next(v.split(";", 1)[0] for v in login.raw.headers.getlist("Set-Cookie") if v.startswith("access_token="))
    cookie = {"Cookie": access}
    setup = requests.post(f"{api}/auth/mfa/totp/setup", headers=cookie, timeout=30)
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    confirmed = requests.post(
        f"{api}/auth/mfa/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=cookie, timeout=30
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret


def run_browser(dep: Deployment, browser: str, shape_name: str, scenarios: tuple[str, ...]) -> None:
    key = (browser, shape_name)
    if key in dep.results:
        return
    shape = start_shape(dep, shape_name)
    config = {
        "browser": browser,
        "shape": shape_name,
        "appUrl": shape.app_url,
        "apiUrl": shape.api_url,
        "username": USERNAME,
        "password": PASSWORD,
        "accessTtlSeconds": ACCESS_TTL,
        "crossSite": shape.cross_site,
        "jwtAlgorithm": shape.jwt_algorithm,
        # The API's output: request lines and audit events, counted by scenarios.
        "apiLogPath": str(dep.procs.logs / f"{shape_name}-api.log"),
        "resolveHosts": list(shape.resolve_hosts),
        "caCertPath": str(shape.ca) if shape.ca else None,
        "workDir": str(dep.tmp / "browsers"),
        "timeoutMs": 8000 if shape_name == INSECURE_SHAPE else 15000,
        "scenarios": list(scenarios),
        "mailSinkUrl": dep.mail_sink_url,
        "rpUrl": dep.relying_parties[shape_name][0],
        "rpTotpSecrets": dep.relying_parties[shape_name][1],
    }
    config_path = dep.tmp / f"run-{browser}-{shape_name}.json"
    config_path.write_text(json.dumps(config))
    log = dep.procs.logs / f"harness-{browser}-{shape_name}.log"
    with log.open("w") as stderr:
        result = subprocess.run(
            ["node", str(HARNESS / "run.mjs"), str(config_path)],
            cwd=HARNESS,
            env=base_env(),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            timeout=120 + 40 * len(scenarios),
        )
    outcomes: dict[str, dict[str, object]] = {}
    for line in result.stdout.splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            outcomes[str(record["scenario"])] = record
    if result.returncode != 0:
        for scenario in scenarios:
            outcomes.setdefault(
                scenario,
                {"ok": False, "detail": f"the harness exited with {result.returncode}:\n{tail(log)}"},
            )
    dep.results[key] = outcomes


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    problems = prerequisites()
    if problems:
        missing("; ".join(problems))
    tmp = Path(tempfile.mkdtemp(prefix="flask-auth-e2e-"))
    tmp.chmod(0o755)  # nginx workers may run as another user
    logs = tmp / "logs"
    logs.mkdir()
    procs = Processes(logs)
    sink = MailSink().start()
    try:
        sink_url = sink.serve_http()
        https_port = free_port()
        ca, cert, key = make_certificates(tmp / "tls", PROD_HOSTS + CROSS_HOSTS)
        shapes = plan(tmp, https_port, ca, start_oidc_provider(procs, tmp), sink.url)
        upstreams = {
            PROD_HOSTS[0]: shapes["prod"].next_port,
            PROD_HOSTS[1]: shapes["prod"].api_port,
            CROSS_HOSTS[0]: shapes["cross-site"].next_port,
            CROSS_HOSTS[1]: shapes["cross-site"].api_port,
        }
        nginx_dir = tmp / "nginx"
        nginx_dir.mkdir()
        conf = nginx_config(nginx_dir, https_port, cert, key, upstreams)
        nginx = procs.start(
            "nginx",
            [nginx_binary(), "-p", str(nginx_dir), "-c", str(conf), "-e", "stderr"],
            env=base_env(),
            cwd=nginx_dir,
        )
        wait_until(lambda: https_status(https_port, PROD_HOSTS[1], "/", ca) > 0, "nginx on TLS", nginx, 20)
        yield Deployment(tmp=tmp, procs=procs, shapes=shapes, ca=ca, mail_sink_url=sink_url)
    finally:
        procs.stop_all()
        sink.stop()
        if os.environ.get("E2E_KEEP_TMP") == "1":
            sys.__stderr__.write(f"\nE2E: kept {tmp}\n")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def start_oidc_provider(procs: Processes, tmp: Path) -> str:
    """oidc-provider-mock on 127.0.0.1 (plain http is allowed for a loopback issuer); returns its issuer."""
    port = free_port()
    provider = procs.start(
        "oidc-provider",
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--require-nonce"],
        env=base_env(),
        cwd=tmp,
    )
    issuer = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_ok(f"{issuer}/.well-known/openid-configuration"), "the OIDC provider", provider, 30)
    return issuer


def selected_scenarios(request: pytest.FixtureRequest, browser: str, shape: str) -> tuple[str, ...]:
    """The scenarios of this (browser, shape) that this pytest run selected, run in one harness call."""
    wanted: set[str] = set()
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("browser") == browser and params.get("shape") == shape and "scenario" in params:
            wanted.add(str(params["scenario"]))
    return tuple(scenario for scenario in SCENARIOS if scenario in wanted) or SCENARIOS


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        sys.stdout.write(f"\n{line}\n")
        sys.stdout.flush()


def server_logs(dep: Deployment, shape: str) -> str:
    parts = [f"--- {proc.name} ---\n{tail(proc.log, 15)}" for proc in dep.procs.procs if proc.name.startswith(shape)]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("shape", "browser", "scenario"),
    [(shape, browser, scenario) for shape in SHAPES for browser in BROWSERS for scenario in SCENARIOS],
    ids=lambda value: str(value),
)
def test_browser_scenario(
    deployment: Deployment,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    shape: str,
    browser: str,
    scenario: str,
) -> None:
    run_browser(deployment, browser, shape, selected_scenarios(request, browser, shape))
    outcome = deployment.results[(browser, shape)].get(scenario, {"ok": False, "detail": "no result was reported"})
    passed = outcome.get("ok") is True
    report(capsys, f"E2E {browser} {shape} {scenario} {'PASS' if passed else 'FAIL'}  {outcome.get('detail', '')}")
    assert passed, f"{browser} {shape} {scenario}: {outcome.get('detail')}\n{server_logs(deployment, shape)}"


@pytest.mark.parametrize("browser", BROWSERS)
def test_samesite_none_without_secure_is_caught(
    deployment: Deployment, capsys: pytest.CaptureFixture[str], browser: str
) -> None:
    """The tutorial's bug: over http in development the API sends SameSite=None without Secure.

    The server is started with UNSAFE_TEST_COOKIE_SAMESITE_NONE_INSECURE=true
    (honoured only in DEV). The login scenario that passes everywhere else must
    fail: the API answers 200 and sets the cookies, and the browser drops them.
    """
    scenario = "login-lands-on-dashboard"
    run_browser(deployment, browser, INSECURE_SHAPE, (scenario,))
    outcome = deployment.results[(browser, INSECURE_SHAPE)].get(scenario, {"ok": None, "detail": "no result"})
    detail = str(outcome.get("detail", ""))
    caught = outcome.get("ok") is False and "login replies: 200" in detail and "SameSite=None" in detail
    verdict = "FAIL (expected: the browser dropped the cookies)" if caught else "UNEXPECTED"
    report(capsys, f"E2E {browser} {INSECURE_SHAPE} {scenario} {verdict}  {detail}")
    assert caught, (
        f"{browser} with SameSite=None without Secure should not end up logged in, "
        f"after a 200 reply that sets SameSite=None cookies; got: {outcome}"
    )
