"""The soak client: many simulated browsers, each with its own cookie jar,
signing in, then probing, refreshing and reading /auth/me in a loop, while a
test breaks something underneath.

Every reply is sorted into what an operator promises about faults:

- a 5xx other than a JSON 503 with ``Retry-After`` is a **server error**;
- a request without an answer within ``TIMEOUT`` seconds is a **hang**;
- a connection refused or cut is a **reset** (the browser retries, as a
  person would; some faults allow resets, a graceful shutdown does not);
- a 401 for a browser that did nothing wrong, or a browser that cannot
  prove it is signed in at the end, is a **lost session**.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

TIMEOUT = 10.0
PAUSE = 0.02
STEPS = ("probe", "refresh", "me", "probe")


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    resets: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    probes: list[tuple[float, int]] = field(default_factory=list)
    """(time, status) of every probe answered, to see when the probe failed closed."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, detail: str) -> None:
        with self.lock:
            getattr(self, kind).append(detail)

    def summary(self) -> dict[str, int]:
        return {
            "5xx": len(self.server_errors),
            "hangs": len(self.hangs),
            "resets": len(self.resets),
            "lost sessions": len(self.lost),
        }


def acceptable_503(reply: requests.Response) -> bool:
    try:
        body = reply.json()
    except ValueError:
        return False
    return (
        reply.status_code == 503
        and reply.headers.get("Retry-After", "").isdigit()
        and body.get("success") is False
        and bool(body.get("message"))
    )


class Browser:
    """One browser: a cookie jar, a user, and the requests the Next.js app makes."""

    def __init__(self, base_url: str, username: str, password: str, tally: Tally, name: str) -> None:
        self.base = base_url
        self.username = username
        self.password = password
        self.tally = tally
        self.name = name
        self.http = requests.Session()

    def send(self, method: str, path: str, **kwargs: object) -> requests.Response | None:
        """One request, retried after a reset; None when there is no usable answer."""
        for _ in range(50):
            try:
                reply = self.http.request(method, self.base + path, timeout=TIMEOUT, **kwargs)
            except requests.Timeout:
                self.tally.add("hangs", f"{self.name} {method} {path}")
                return None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
                # refused, reset, or cut in the middle of the reply (a worker killed while writing it)
                self.tally.add("resets", f"{self.name} {method} {path}: {error.__class__.__name__}")
                time.sleep(0.05)
                continue
            with self.tally.lock:
                self.tally.statuses[reply.status_code] += 1
                if path == "/auth/is-authenticated":
                    self.tally.probes.append((time.monotonic(), reply.status_code))
            if reply.status_code >= 500 and not acceptable_503(reply):
                self.tally.add("server_errors", f"{self.name} {method} {path}: {reply.status_code} {reply.text[:200]}")
            return reply
        return None

    def sign_in(self, deadline: float = 30.0) -> None:
        """Log in, waiting out 503s; the soak starts only with every browser signed in."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            reply = self.send("POST", "/auth/login", json={"username": self.username, "password": self.password})
            if reply is not None and reply.status_code == 200:
                return
            time.sleep(0.1)
        raise AssertionError(f"{self.name} could not sign in")

    def step(self, what: str) -> None:
        path, method = {
            "probe": ("/auth/is-authenticated", "GET"),
            "refresh": ("/auth/refresh", "POST"),
            "me": ("/auth/me", "GET"),
        }[what]
        reply = self.send(method, path)
        if reply is None:
            return
        if reply.status_code == 401:
            self.tally.add("lost", f"{self.name} {what}: {reply.text[:200]}")
            self.sign_in()  # carry on, so one loss is counted once, not on every later step
        elif reply.status_code == 503:
            time.sleep(0.1)
        elif reply.status_code != 200:
            self.tally.add("lost", f"{self.name} {what}: unexpected {reply.status_code}")

    def still_signed_in(self, deadline: float = 20.0) -> bool:
        """At the end: a refresh and /auth/me both work (waiting out 503s while things recover)."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            refreshed = self.send("POST", "/auth/refresh")
            if refreshed is not None and refreshed.status_code == 401:
                return False
            me = self.send("GET", "/auth/me")
            if refreshed is not None and me is not None and refreshed.status_code == me.status_code == 200:
                return me.json()["user"]["username"] == self.username
            time.sleep(0.2)
        return False


class Soak:
    """Browsers looping in threads until ``stop``; then every one must still be signed in."""

    def __init__(self, base_url: str, users: dict[str, str], browsers: int) -> None:
        self.tally = Tally()
        names = itertools.cycle(users.items())
        self.browsers = [Browser(base_url, *next(names), self.tally, name=f"browser-{n}") for n in range(browsers)]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for browser in self.browsers:
            browser.sign_in()
        for browser in self.browsers:
            thread = threading.Thread(target=self._loop, args=(browser,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _loop(self, browser: Browser) -> None:
        for what in itertools.cycle(STEPS):
            if self._stop.is_set():
                return
            browser.step(what)
            time.sleep(PAUSE)

    def stop(self) -> None:
        """No new requests; wait for the ones in flight."""
        self._stop.set()
        for thread in self._threads:
            thread.join(TIMEOUT * 2)
            assert not thread.is_alive(), "a browser is stuck in a request"

    def finish(self) -> dict[str, int]:
        """Stop, check every browser is still signed in, and return the counts."""
        self.stop()
        for browser in self.browsers:
            if not browser.still_signed_in():
                self.tally.add("lost", f"{browser.name}: not signed in at the end")
        return self.tally.summary()
