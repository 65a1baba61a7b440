// @ts-check
// The account pages and the @flask-auth/next package in real browsers:
// a session ended from another browser, one refresh for two tabs, and the
// proxy's local token check (no probe while an EdDSA token is fresh).

import fs from "node:fs";
import { openBrowser } from "../browsers.mjs";

/**
 * The API's output (request lines and audit events) written after a mark.
 * @param {string} path
 */
function apiLog(path) {
  const size = () => (fs.existsSync(path) ? fs.statSync(path).size : 0);
  const start = size();
  return {
    /** Text written since the mark. */
    since() {
      const end = size();
      if (end <= start) return "";
      const fd = fs.openSync(path, "r");
      try {
        const buffer = Buffer.alloc(end - start);
        fs.readSync(fd, buffer, 0, buffer.length, start);
        return buffer.toString("utf8");
      } finally {
        fs.closeSync(fd);
      }
    },
    /** Audit events named `event` since the mark (one JSON line each). */
    events(/** @type {string} */ event) {
      return this.since()
        .split("\n")
        .filter((line) => line.includes(`"event": "${event}"`)).length;
    },
    /** Requests for `path` since the mark, from the access log lines. */
    requests(/** @type {string} */ method, /** @type {string} */ pathname) {
      return this.since().split(`"${method} ${pathname} `).length - 1;
    },
  };
}

const CURRENT_ROW = '[data-testid="session-row"][data-current="true"]';

/** @param {any} kit */
export default function account(kit) {
  const { helpers, check, sleep, waitForUrl } = kit;

  /**
   * Log in and open /account in this session.
   * @param {any} cfg @param {import("../browsers.mjs").Session} s
   */
  async function openAccount(cfg, s) {
    const h = helpers(cfg, s);
    await h.loginThroughApp(cfg.password);
    await h.expectDashboardShowsUser();
    await s.goto(`${cfg.appUrl}/account`);
    await s.waitFor(CURRENT_ROW);
    return h;
  }

  /**
   * Wait until a tab has seen a GET /auth/sessions answered `status` after index `from`.
   * @param {import("../browsers.mjs").Session} s @param {number} from @param {number} status @param {number} timeout
   */
  async function sawSessions(s, from, status, timeout) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const hit = s.responses
        .slice(from)
        .some((r) => r.method === "GET" && new URL(r.url).pathname === "/auth/sessions" && r.status === status);
      if (hit) return true;
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
  }

  return {
    /** @param {any} cfg @param {import("../browsers.mjs").Session} s */
    async "session-ended-elsewhere-signs-out"(cfg, s) {
      const h = await openAccount(cfg, s);
      const mine = await s.attribute(CURRENT_ROW, "data-session-id");
      check(mine, "this browser's session row has no id");
      const other = await openBrowser(cfg.browser, {
        workDir: cfg.workDir,
        resolveHosts: cfg.resolveHosts,
        caCertPath: cfg.caCertPath,
        timeoutMs: cfg.timeoutMs ?? 15000,
      });
      try {
        await openAccount(cfg, other);
        const row = `[data-testid="session-row"][data-session-id="${mine}"]`;
        await other.waitFor(row);
        check((await other.attribute(row, "data-current")) === "false", "the other browser lists our session as its own");
        await other.click(`${row} [data-testid="end-session"]`);
        const deadline = Date.now() + h.timeout;
        while ((await other.text('[data-testid="sessions-status"]')) !== "The session was signed out.") {
          check(Date.now() < deadline, "the other browser's sessions page never said the session was signed out");
          await sleep(100);
        }
      } finally {
        await other.close().catch(() => {});
      }
      await sleep(1200); // revocation reaches every API process within one second
      await s.click('[data-testid="reload-sessions"]');
      await h.expectOnLoginPage();
      const next = new URL(s.url()).searchParams.get("next");
      check(next === "/account", `the login page should come back to /account, next=${next}`);
      const me = await h.meStatus();
      check(me === 401, `GET /auth/me after the session was ended elsewhere answered ${me}`);
      return "ended from a second browser's sessions page; the next API call here went to the login page";
    },

    /** @param {any} cfg @param {import("../browsers.mjs").Session} s */
    async "two-tabs-refresh-once"(cfg, s) {
      await openAccount(cfg, s);
      const other = await s.newTab();
      await other.goto(`${cfg.appUrl}/account`);
      await other.waitFor(CURRENT_ROW);
      await sleep((cfg.accessTtlSeconds + 1.5) * 1000);
      check((await helpers(cfg, s).meStatus()) === 401, "the access token should have expired by now");
      const log = apiLog(cfg.apiLogPath);
      const from = [s.responses.length, other.responses.length];
      // Both tabs press "Reload" at the same instant (a spin to one shared
      // wall-clock moment; a timer would be throttled in a background tab).
      const at = Date.now() + 400;
      const press = (/** @type {{at: number, selector: string}} */ arg) => {
        while (Date.now() < arg.at) {
          // spin
        }
        /** @type {HTMLElement | null} */ (document.querySelector(arg.selector))?.click();
      };
      await Promise.all(
        [s, other].map((tab) => tab.evaluate(press, { at, selector: '[data-testid="reload-sessions"]' })),
      );
      const ok = await Promise.all([s, other].map((tab, i) => sawSessions(tab, from[i] ?? 0, 200, 15000)));
      check(ok.every(Boolean), `a tab did not get its sessions list again: ${ok.join(",")}`);
      const refused = [s, other].map((tab, i) =>
        tab.responses.slice(from[i]).some((r) => new URL(r.url).pathname === "/auth/sessions" && r.status === 401),
      );
      await sleep(500);
      const refreshes = log.events("refresh");
      const posts = log.requests("POST", "/auth/refresh");
      check(refreshes === 1, `the API saw ${refreshes} refreshes (${posts} POST /auth/refresh), expected exactly one`);
      check(refused.every(Boolean), `the tabs did not both start with an expired token (401 seen: ${refused.join(",")})`);
      return `both tabs got a 401, ${posts} POST /auth/refresh, one refresh at the API`;
    },

    /** @param {any} cfg @param {import("../browsers.mjs").Session} s */
    async "local-check-skips-probe"(cfg, s) {
      if (cfg.crossSite) {
        return "cross-site: proxy.ts never sees the API's cookies, so it gates nothing and calls nothing";
      }
      const h = helpers(cfg, s);
      const log = apiLog(cfg.apiLogPath);
      await h.loginThroughApp(cfg.password);
      await h.expectDashboardShowsUser();
      const signedInAt = Date.now();
      let loads = 1;
      // More page loads while the token is surely fresh (its life is short here).
      while (Date.now() - signedInAt < (cfg.accessTtlSeconds - 1.5) * 1000 && loads < 3) {
        await s.reload();
        await h.expectDashboardShowsUser();
        loads += 1;
      }
      const probes = log.requests("GET", "/auth/is-authenticated");
      if (cfg.jwtAlgorithm === "HS256") {
        check(probes >= loads, `HS256: ${loads} dashboard loads made only ${probes} probe calls`);
        return `HS256: the proxy asked the API on each of ${loads} dashboard loads (${probes} calls)`;
      }
      check(probes === 0, `${cfg.jwtAlgorithm}: ${loads} dashboard loads with a fresh token made ${probes} probe calls`);
      // The control: once the token has expired the proxy asks the API again.
      await sleep((cfg.accessTtlSeconds + 1) * 1000);
      const later = apiLog(cfg.apiLogPath);
      await s.goto(`${cfg.appUrl}/dashboard`);
      await h.expectDashboardShowsUser();
      const after = later.requests("GET", "/auth/is-authenticated");
      check(after >= 1, "after the token expired the dashboard loaded without a probe call");
      await waitForUrl(s.url, (/** @type {URL} */ u) => u.pathname === "/dashboard", h.timeout, "/dashboard");
      return `${cfg.jwtAlgorithm}: ${loads} dashboard loads, no probe call; after expiry ${after} probe call(s) refreshed it`;
    },
  };
}
