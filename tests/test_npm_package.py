"""The @flask-auth/next package: its unit tests, and `npm pack` installed into a fresh Next.js app.

The fresh app is what a user writes: proxy.ts with the README's three lines,
a server component calling getSession(), a client component with
<AuthProvider> and useSession(). It is installed from the packed tarball
(npm's cache serves the rest: --prefer-offline), built with `next build`,
started, and asked for a public and a protected page.

Without node, npm or clients/next/node_modules these tests skip (fail under CI=true).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port, missing

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "clients" / "next"
EXAMPLE = ROOT / "examples" / "nextjs"

pytestmark = pytest.mark.live

PROXY = """\
import { authProxy } from "@flask-auth/next/proxy";
export const proxy = authProxy({ protect: ["/dashboard"] });
export const config = { matcher: ["/dashboard/:path*", "/auth/session"] };
"""

LAYOUT = """\
import type { ReactNode } from "react";
import { Providers } from "./providers";
export default function RootLayout({ children }: { children: ReactNode }) {
  return (<html lang="en"><body><Providers>{children}</Providers></body></html>);
}
"""

PROVIDERS = """\
"use client";
import type { ReactNode } from "react";
import { AuthProvider } from "@flask-auth/next/client";
export function Providers({ children }: { children: ReactNode }) {
  return <AuthProvider apiUrl="http://127.0.0.1:9">{children}</AuthProvider>;
}
"""

PAGE = """\
import { connection } from "next/server";
import { getSession } from "@flask-auth/next/server";
import { Status } from "./status";
export default async function Home() {
  await connection();
  const session = await getSession({ apiUrl: "http://127.0.0.1:9" });
  return (<main><p id="server">{session ? "signed in" : "signed out"}</p><Status /></main>);
}
"""

STATUS = """\
"use client";
import { useSession } from "@flask-auth/next/client";
export function Status() {
  const { status } = useSession();
  return <p id="client">{status}</p>;
}
"""

DASHBOARD = "export default function Dashboard() { return <p>secret</p>; }\n"

# A page from the components, with their stylesheet, as the package's README shows.
LOGIN = """\
import "@flask-auth/next/styles.css";
import { SignIn } from "@flask-auth/next/components";
export default function Login() { return <SignIn locale="de" redirectTo="/dashboard" />; }
"""


def tool_problems() -> list[str]:
    problems = [f"`{tool}` is not on PATH" for tool in ("node", "npm") if shutil.which(tool) is None]
    if not (PACKAGE / "node_modules" / "typescript").exists():
        problems.append("clients/next/node_modules is missing (run `npm ci` there)")
    return problems


@pytest.fixture(scope="module")
def tools() -> None:
    problems = tool_problems()
    if problems:
        missing("; ".join(problems))


def npm(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "npm_config_update_notifier": "false"}
    result = subprocess.run(["npm", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"npm {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_unit_tests_pass(tools: None) -> None:
    result = subprocess.run(
        ["npx", "vitest", "run", "--reporter=dot"], cwd=PACKAGE, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


@pytest.fixture(scope="module")
def fresh_app(tools: None) -> Iterator[Path]:
    """A new Next.js app in a temp dir with the packed package installed and built."""
    tmp = Path(tempfile.mkdtemp(prefix="flask-auth-next-pack-"))
    try:
        packed = json.loads(npm(["pack", "--json", "--pack-destination", str(tmp)], PACKAGE).stdout)
        tarball = tmp / packed[0]["filename"]
        files = {entry["path"] for entry in packed[0]["files"]}
        assert {"dist/proxy.js", "dist/server.d.ts", "dist/client.js", "README.md"} <= files, sorted(files)
        shipped = {"dist/components/index.js", "dist/components/styles.css"}
        shipped |= {f"dist/components/locales/{lang}.json" for lang in ("en", "de", "fr", "es")}
        assert shipped <= files, sorted(files)
        assert not any(path.startswith(("src/", "test/")) for path in files), sorted(files)
        app = tmp / "app"
        (app / "app" / "dashboard").mkdir(parents=True)
        (app / "app" / "login").mkdir()
        example = json.loads((EXAMPLE / "package.json").read_text())
        versions = {**example["dependencies"], **example["devDependencies"]}
        (app / "package.json").write_text(
            json.dumps(
                {
                    "name": "fresh-next-app",
                    "private": True,
                    "dependencies": {
                        "@flask-auth/next": f"file:{tarball}",
                        **{name: versions[name] for name in ("next", "react", "react-dom")},
                    },
                    "devDependencies": {name: versions[name] for name in ("typescript", "@types/react", "@types/node")},
                },
                indent=2,
            )
        )
        (app / "tsconfig.json").write_text((EXAMPLE / "tsconfig.json").read_text())
        for name, text in {
            "proxy.ts": PROXY,
            "app/layout.tsx": LAYOUT,
            "app/providers.tsx": PROVIDERS,
            "app/page.tsx": PAGE,
            "app/status.tsx": STATUS,
            "app/dashboard/page.tsx": DASHBOARD,
            "app/login/page.tsx": LOGIN,
        }.items():
            (app / name).write_text(text)
        npm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], app)
        build = subprocess.run(
            [str(app / "node_modules" / ".bin" / "next"), "build"],
            cwd=app,
            env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1"},
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-3000:]
        yield app
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def get(url: str) -> tuple[int, str, str]:
    request = urllib.request.Request(url)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as reply:
            return reply.status, reply.headers.get("Location", ""), reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), ""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_packed_package_installs_builds_and_runs_in_a_fresh_next_app(fresh_app: Path) -> None:
    installed = json.loads((fresh_app / "node_modules" / "@flask-auth" / "next" / "package.json").read_text())
    assert installed["name"] == "@flask-auth/next"
    assert not (fresh_app / "node_modules" / "@flask-auth" / "next" / "src").exists()
    port = free_port()
    server = subprocess.Popen(
        [str(fresh_app / "node_modules" / ".bin" / "next"), "start", "-H", "127.0.0.1", "-p", str(port)],
        cwd=fresh_app,
        env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "API_INTERNAL_URL": "http://127.0.0.1:9"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        status, body = 0, ""
        while time.monotonic() < deadline:
            try:
                status, _, body = get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                time.sleep(0.3)
        # getSession() ran on the server (no cookie: signed out); the client component rendered.
        assert status == 200 and '<p id="server">signed out</p>' in body and '<p id="client">loading</p>' in body
        # authProxy() gates: no cookie, so the protected page bounces through the session path.
        status, location, _ = get(f"http://127.0.0.1:{port}/dashboard")
        assert status in (302, 307) and location.endswith("/auth/session?next=%2Fdashboard"), (status, location)
        # A component renders on the server in its language, with the package's stylesheet linked.
        status, _, body = get(f"http://127.0.0.1:{port}/login")
        assert status == 200 and 'data-testid="login-form"' in body and "Benutzername" in body, body[:2000]
        assert 'rel="stylesheet"' in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
