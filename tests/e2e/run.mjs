// @ts-check
// Runs the login scenarios in one browser against one running deployment
// ("shape") and prints one JSON line per scenario on stdout:
//   {"browser":"chromium","shape":"dev","scenario":"...","ok":true,"detail":"..."}
// tests/test_browser_e2e.py starts the servers, calls this, and asserts.
//
//   node run.mjs config.json
//
// config.json: {browser, shape, appUrl, apiUrl, username, password,
//   accessTtlSeconds, crossSite, resolveHosts, caCertPath?, workDir,
//   timeoutMs?, scenarios: [names]}

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { openBrowser, waitForUrl } from "./browsers.mjs";

/**
 * @typedef {object} Config
 * @property {"chromium" | "firefox"} browser
 * @property {string} shape
 * @property {string} appUrl      the Next.js app's origin, as the browser sees it
 * @property {string} apiUrl      the API's origin, as the browser sees it
 * @property {string} username
 * @property {string} password
 * @property {number} accessTtlSeconds
 * @property {boolean} crossSite  the app and the API are on different sites
 * @property {string[]} resolveHosts
 * @property {string} [caCertPath]
 * @property {string} workDir
 * @property {number} [timeoutMs]
 * @property {string[]} scenarios
 * @property {string} [mailSinkUrl] where the mail scenarios read the last mail per address (GET /last?to=)
 */

/** @typedef {import("./browsers.mjs").Session} Session */

const AUTH_COOKIES = ["access_token", "refresh_token"];

class ScenarioFailure extends Error {}

/** @param {unknown} condition @param {string} message */
function check(condition, message) {
  if (!condition) throw new ScenarioFailure(message);
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @param {Config} cfg
 * @param {Session} s
 */
function helpers(cfg, s) {
  const timeout = cfg.timeoutMs ?? 15000;
  const app = new URL(cfg.appUrl);
  const api = new URL(cfg.apiUrl);
  const onApp = (/** @type {URL} */ u) => u.origin === app.origin;

  const h = {
    timeout,
    /** @param {string} pathname */
    async waitForAppPath(pathname) {
      return waitForUrl(s.url, (u) => onApp(u) && u.pathname === pathname, timeout, `${cfg.appUrl}${pathname}`);
    },
    async expectDashboardShowsUser() {
      await h.waitForAppPath("/dashboard");
      await s.waitFor('[data-testid="current-username"]');
      const shown = await s.text('[data-testid="current-username"]');
      check(shown === cfg.username, `the dashboard shows "${shown}", expected "${cfg.username}"`);
    },
    async expectOnLoginPage() {
      await h.waitForAppPath("/login");
      await s.waitFor('[data-testid="login-form"]');
    },
    /** @param {string} password */
    async loginThroughApp(password) {
      await s.goto(`${cfg.appUrl}/login`);
      await s.waitFor('[data-testid="login-form"]');
      await s.fill('input[name="username"]', cfg.username);
      await s.fill('input[name="password"]', password);
      await s.click('button[type="submit"]');
    },
    /** The POST /auth/login replies the page saw. */
    loginReplies() {
      return s.responses.filter(
        (r) => r.method === "POST" && new URL(r.url).origin === api.origin && new URL(r.url).pathname === "/auth/login",
      );
    },
    /** Auth cookies the browser holds for the API's host (any partition). */
    async authCookies() {
      const all = await s.cookies();
      return all.filter((c) => {
        const domain = c.domain.replace(/^\./, "");
        return AUTH_COOKIES.includes(c.name) && (api.hostname === domain || api.hostname.endsWith(`.${domain}`));
      });
    },
    async meStatus() {
      const { status } = await s.fetchWithCredentials(`${cfg.apiUrl}/auth/me`);
      return status;
    },
    /** @param {string} name */
    async cookieSummary(name) {
      const found = (await h.authCookies()).filter((c) => c.name === name);
      return found
        .map((c) => `${c.name}@${c.domain}${c.path} SameSite=${c.sameSite}${c.secure ? " Secure" : ""}${c.partitionKey ? ` partition=${c.partitionKey}` : ""}`)
        .join("; ");
    },
  };
  return h;
}

/** @type {Record<string, (cfg: Config, s: Session) => Promise<string>>} */
const SCENARIOS = {
  async "unauthenticated-dashboard-redirects-to-login"(cfg, s) {
    const h = helpers(cfg, s);
    await s.goto(`${cfg.appUrl}/dashboard`);
    await h.expectOnLoginPage();
    const next = new URL(s.url()).searchParams.get("next");
    check(next === "/dashboard", `the login page should come back to /dashboard, next=${next}`);
    return cfg.crossSite ? "redirected by the page's own /auth/me check" : "redirected by proxy.ts";
  },

  async "login-lands-on-dashboard"(cfg, s) {
    const h = helpers(cfg, s);
    await h.loginThroughApp(cfg.password);
    try {
      await h.expectDashboardShowsUser();
    } catch (error) {
      const replies = h.loginReplies().map((r) => `${r.status} ${r.setCookies.join(" | ")}`);
      throw new ScenarioFailure(
        `${error instanceof Error ? error.message : error}; login replies: ${replies.join(" || ") || "none seen"}; ` +
          `auth cookies held: ${(await h.authCookies()).map((c) => c.name).join(",") || "none"}`,
      );
    }
    const held = (await h.authCookies()).map((c) => c.name);
    check(held.includes("access_token"), `the browser holds no access_token for ${cfg.apiUrl} (holds: ${held.join(",") || "none"})`);
    const summary = `access: ${await h.cookieSummary("access_token")}`;
    if (!cfg.crossSite) return summary;
    // Cross-site, the session lives in the frontend's partition: the API
    // opened as the top-level site has a jar of its own and no session in it.
    // (Its sign-in page says who is signed in, or shows the form.)
    await s.goto(`${cfg.apiUrl}/auth/login`);
    await s.waitFor("main h1");
    const firstParty = await s.bodyText();
    check(!firstParty.includes("You are signed in"), `the API as a top-level site shows a session: the cookies are not partitioned`);
    return `${summary}; partitioned: the API as a top-level site sees no session`;
  },

  async "reload-keeps-session"(cfg, s) {
    const h = helpers(cfg, s);
    await h.loginThroughApp(cfg.password);
    await h.expectDashboardShowsUser();
    await s.reload();
    await h.expectDashboardShowsUser();
    await s.goto(`${cfg.appUrl}/`);
    await s.goto(`${cfg.appUrl}/dashboard`);
    await h.expectDashboardShowsUser();
    return "still signed in after a reload and a fresh navigation";
  },

  async "silent-refresh-keeps-session"(cfg, s) {
    const h = helpers(cfg, s);
    await h.loginThroughApp(cfg.password);
    await h.expectDashboardShowsUser();
    const before = s.responses.length;
    await sleep((cfg.accessTtlSeconds + 1.5) * 1000);
    check((await h.meStatus()) === 401, "the access token should have expired by now (GET /auth/me is not 401)");
    await s.goto(`${cfg.appUrl}/dashboard`);
    await h.expectDashboardShowsUser();
    const refreshed = s.responses
      .slice(before)
      .filter((r) => r.setCookies.some((c) => c.startsWith("access_token=") && !/max-age=0\b/i.test(c)));
    const via = refreshed.map((r) => `${r.method} ${new URL(r.url).pathname}`).join(", ");
    check((await h.meStatus()) === 200, "after the refresh GET /auth/me should be 200");
    return `new access token via ${via || "a response the driver could not inspect"}`;
  },

  async "logout-returns-to-login"(cfg, s) {
    const h = helpers(cfg, s);
    await h.loginThroughApp(cfg.password);
    await h.expectDashboardShowsUser();
    await s.click('[data-testid="logout"]');
    await h.expectOnLoginPage();
    await s.goto(`${cfg.appUrl}/dashboard`);
    await h.expectOnLoginPage();
    const me = await h.meStatus();
    check(me === 401, `GET /auth/me after logout answered ${me}, expected 401`);
    const left = (await h.authCookies()).map((c) => c.name);
    check(left.length === 0, `cookies left after logout: ${left.join(",")}`);
    return "logged out, cookies cleared, /dashboard goes to login again";
  },

  async "wrong-password-sets-no-cookie"(cfg, s) {
    const h = helpers(cfg, s);
    await h.loginThroughApp(`${cfg.password}-wrong`);
    await s.waitFor('[data-testid="login-error"]');
    const message = await s.text('[data-testid="login-error"]');
    const replies = h.loginReplies();
    check(replies.length > 0, "no POST /auth/login reply was seen");
    check(replies.every((r) => r.status === 401), `login replies: ${replies.map((r) => r.status).join(",")}, expected 401`);
    const setCookies = replies.flatMap((r) => r.setCookies).filter((c) => /^(access|refresh)_token=[^;]/.test(c));
    check(setCookies.length === 0, `the 401 reply set cookies: ${setCookies.join(" | ")}`);
    const held = (await h.authCookies()).map((c) => c.name);
    check(held.length === 0, `the browser holds ${held.join(",")} after a wrong password`);
    const me = await h.meStatus();
    check(me === 401, `GET /auth/me answered ${me}`);
    check(new URL(s.url()).pathname === "/login", `left the login page for ${s.url()}`);
    return `401, no cookie, the page says "${message}"`;
  },

  async "builtin-signin-page"(cfg, s) {
    const h = helpers(cfg, s);
    // Same-site: the built-in page on the API signs in and hands over to the
    // app. Cross-site: cookies set while the API is the top-level site live in
    // the API's own partition, which the app's partition never sees, so the
    // page is checked on the API's own origin.
    const target = cfg.crossSite ? "/auth/account" : `${cfg.appUrl}/dashboard`;
    await s.goto(`${cfg.apiUrl}/auth/login?next=${encodeURIComponent(target)}`);
    await s.waitFor('input[name="username"]');
    await s.fill('input[name="username"]', cfg.username);
    await s.fill('input[name="password"]', cfg.password);
    await s.click('form [type="submit"]');
    try {
      await builtinLanding(cfg, s, h, target);
    } catch (error) {
      const replies = h.loginReplies().map((r) => String(r.status));
      throw new ScenarioFailure(
        `${error instanceof Error ? error.message : error}; the form's POST /auth/login answered ${replies.join(",") || "nothing seen"}`,
      );
    }
    return cfg.crossSite
      ? "signed in on the API's own origin"
      : "signed in on the API's page and landed on the app's dashboard";
  },
};

/**
 * Where the built-in sign-in page's redirect must land, signed in.
 * @param {Config} cfg
 * @param {Session} s
 * @param {ReturnType<typeof helpers>} h
 * @param {string} target
 */
async function builtinLanding(cfg, s, h, target) {
  if (cfg.crossSite) {
    const apiOrigin = new URL(cfg.apiUrl).origin;
    await waitForUrl(s.url, (u) => u.origin === apiOrigin && u.pathname === target, h.timeout, `${apiOrigin}${target}`);
    // The API's own account page, as a person sees it after signing in there.
    await s.waitFor("#username");
    const shown = await s.text("#username");
    check(shown === cfg.username, `the API's account page shows "${shown}", expected "${cfg.username}"`);
    return;
  }
  await h.expectDashboardShowsUser();
}

export const SCENARIO_NAMES = Object.keys(SCENARIOS);

/**
 * Each capability keeps its scenarios in scenarios/<capability>.mjs, whose
 * default export takes this kit and returns more entries for SCENARIOS
 * (tests/test_browser_e2e.py finds their names by the same `async "name"(` shape).
 */
async function loadCapabilityScenarios() {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "scenarios");
  if (!fs.existsSync(dir)) return;
  const kit = { helpers, check, sleep, waitForUrl, ScenarioFailure };
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".mjs")).sort()) {
    const module = await import(pathToFileURL(path.join(dir, file)).href);
    for (const [name, run] of Object.entries(module.default(kit))) {
      if (name in SCENARIOS) throw new Error(`scenario ${name} is defined twice (${file})`);
      SCENARIOS[name] = run;
    }
  }
}

/** @param {Config} cfg */
async function main(cfg) {
  await loadCapabilityScenarios();
  for (const scenario of cfg.scenarios) {
    const run = SCENARIOS[scenario];
    const started = Date.now();
    /** @type {{ok: boolean, detail: string}} */
    let outcome;
    /** @type {Session | null} */
    let session = null;
    try {
      if (!run) throw new ScenarioFailure(`unknown scenario ${scenario}`);
      session = await openBrowser(cfg.browser, {
        workDir: cfg.workDir,
        resolveHosts: cfg.resolveHosts,
        caCertPath: cfg.caCertPath,
        timeoutMs: cfg.timeoutMs ?? 15000,
      });
      outcome = { ok: true, detail: await run(cfg, session) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      outcome = { ok: false, detail: session ? `${message} (page: ${session.url()})` : message };
    } finally {
      if (session) await session.close().catch(() => {});
    }
    const line = {
      browser: cfg.browser,
      shape: cfg.shape,
      scenario,
      ok: outcome.ok,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      detail: outcome.detail.replace(/\s+/g, " ").slice(0, 2000),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

const configPath = process.argv[2];
if (!configPath) {
  process.stderr.write("usage: node run.mjs config.json\n");
  process.exit(2);
}
await main(JSON.parse(fs.readFileSync(configPath, "utf8")));
