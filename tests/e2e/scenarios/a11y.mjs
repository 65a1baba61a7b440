// @ts-check
// Accessibility of the example app's pages, which are the @flask-auth/next
// components: axe-core on every component page and in its states (an error,
// the second step, the QR code), zero serious or critical violations; and a
// sign-in, a refusal and a sign-out with the keyboard alone.

import fs from "node:fs";
import { createRequire } from "node:module";

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** @typedef {import("../browsers.mjs").Session} Session */

/** @param {any} kit */
export default function a11y(kit) {
  const { helpers, check, sleep } = kit;

  /**
   * axe-core's serious and critical violations on the page as it is now, one line each.
   * @param {Session} s
   * @returns {Promise<string[]>}
   */
  async function violations(s) {
    await s.evaluate((/** @type {string} */ source) => {
      if (!(/** @type {any} */ (window).axe)) (0, eval)(source);
    }, AXE_SOURCE);
    return s.evaluate(async () => {
      const result = await /** @type {any} */ (window).axe.run(document, { resultTypes: ["violations"] });
      return result.violations
        .filter((/** @type {any} */ v) => v.impact === "serious" || v.impact === "critical")
        .map((/** @type {any} */ v) => `${v.impact} ${v.id}: ${v.nodes.map((/** @type {any} */ n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
    });
  }

  /**
   * Check the page once `selector` shows; returns the page's label for the summary.
   * @param {Session} s @param {string} label @param {string} selector @param {string[]} found
   */
  async function audit(s, label, selector, found) {
    await s.waitFor(selector);
    for (const line of await violations(s)) found.push(`${label}: ${line}`);
    return label;
  }

  /**
   * The tag name and attributes of the focused element.
   * @param {Session} s
   * @returns {Promise<{tag: string, name: string | null, role: string | null, testid: string | null}>}
   */
  const focused = (s) =>
    s.evaluate(() => {
      const el = document.activeElement;
      return { tag: el?.tagName.toLowerCase() ?? "", name: el?.getAttribute("name") ?? null, role: el?.getAttribute("role") ?? null, testid: el?.getAttribute("data-testid") ?? null };
    });

  /**
   * Press Tab until `match` holds for the focused element (at most `limit` presses).
   * @param {Session} s @param {(f: Awaited<ReturnType<typeof focused>>) => boolean} match @param {string} what
   */
  async function tabTo(s, match, what, limit = 25) {
    for (let i = 0; i < limit; i++) {
      await s.press("Tab");
      if (match(await focused(s))) return;
    }
    throw new kit.ScenarioFailure(`${limit} presses of Tab never reached ${what}`);
  }

  return {
    async "a11y-component-pages"(/** @type {any} */ cfg, /** @type {Session} */ s) {
      const h = helpers(cfg, s);
      /** @type {string[]} */
      const found = [];
      const checked = [];
      const visit = async (/** @type {string} */ path, /** @type {string} */ selector) => {
        await s.goto(`${cfg.appUrl}${path}`);
        checked.push(await audit(s, path, selector, found));
      };
      await visit("/login", '[data-testid="forgot-password-link"]');
      await visit("/login?lang=de", '[data-testid="login-form"]');
      await visit("/login?mfa=1", '[data-testid="mfa-form"]');
      await visit("/sign-up", '[data-testid="signup-form"], [data-testid="signup-closed"]');
      await visit("/forgot-password", '[data-testid="forgot-form"]');
      await visit("/reset-password?token=not-a-real-token", '[data-testid="reset-form"]');
      await visit("/reset-password", '[data-testid="token-missing"]');
      await visit("/verify-email?token=not-a-real-token", '[data-testid="verify-form"]');
      await visit("/magic-link", '[data-testid="magic-request-form"], [data-testid="mail-unavailable"]');
      await visit("/magic-link?token=not-a-real-token", '[data-testid="magic-form"]');

      // A refusal: the alert, the focus on it.
      await s.goto(`${cfg.appUrl}/login`);
      await s.waitFor('[data-testid="login-form"]');
      await s.fill('input[name="username"]', cfg.username);
      await s.fill('input[name="password"]', `${cfg.password}-wrong`);
      await s.click('form[data-testid="login-form"] button[type="submit"]');
      checked.push(await audit(s, "/login (refused)", '[data-testid="login-error"]', found));
      await s.goto(`${cfg.appUrl}/reset-password?token=not-a-real-token`);
      await s.waitFor('[data-testid="reset-form"]');
      await s.fill('input[name="new_password"]', "a long enough password");
      await s.click('[data-testid="reset-form"] button[type="submit"]');
      checked.push(await audit(s, "/reset-password (refused)", '[data-testid="reset-form-error"]', found));

      await h.loginThroughApp(cfg.password);
      await h.expectDashboardShowsUser();
      checked.push(await audit(s, "/dashboard", '[data-testid="logout"]', found));
      await s.goto(`${cfg.appUrl}/account`);
      await s.waitFor('[data-testid="session-row"][data-current="true"]');
      checked.push(await audit(s, "/account", '[data-testid="totp-setup"], [data-testid="totp-active"]', found));
      await s.goto(`${cfg.appUrl}/account/email`);
      checked.push(await audit(s, "/account/email", '[data-testid="email-form"]', found));
      check(found.length === 0, `axe-core found ${found.length} serious or critical violation(s): ${found.join(" | ")}`);
      return `axe-core: no serious or critical violation on ${checked.length} page states (${checked.join(", ")})`;
    },

    async "keyboard-only-sign-in"(/** @type {any} */ cfg, /** @type {Session} */ s) {
      const h = helpers(cfg, s);
      await s.goto(`${cfg.appUrl}/login`);
      await s.waitFor('[data-testid="login-form"]');
      await tabTo(s, (f) => f.name === "username", "the username field");
      await s.type(cfg.username);
      await s.press("Tab");
      check((await focused(s)).name === "password", "Tab from the username did not reach the password");
      await s.type(`${cfg.password}-wrong`);
      await s.press("Enter");
      await s.waitFor('[data-testid="login-error"]');
      // The refusal takes the focus, so a keyboard or screen-reader user lands on it.
      const deadline = Date.now() + 5000;
      while ((await focused(s)).testid !== "login-error") {
        check(Date.now() < deadline, `the focus stayed on ${JSON.stringify(await focused(s))}, not on the error`);
        await sleep(50);
      }
      check((await focused(s)).role === "alert", "the focused error is not role=alert");

      await s.reload();
      await s.waitFor('[data-testid="login-form"]');
      await tabTo(s, (f) => f.name === "username", "the username field");
      await s.type(cfg.username);
      await s.press("Tab");
      await s.type(cfg.password);
      await s.press("Enter");
      await h.expectDashboardShowsUser();
      await s.waitFor('[data-testid="logout"]');
      await tabTo(s, (f) => f.testid === "logout", "the sign-out button");
      if (cfg.browser !== "chromium") {
        // Firefox's WebDriver BiDi input delivers Tab and Enter in a field, but a key
        // pressed on a focused button (even a plain submit button) does not activate it.
        return "signed in and was refused with the focus on the error, with Tab, typing and Enter; Tab reaches the sign-out button (pressing it by key is checked in Chromium: this driver does not activate buttons by key)";
      }
      const before = s.responses.length;
      await s.press("Enter");
      try {
        await h.expectOnLoginPage();
      } catch (error) {
        const seen = s.responses.slice(before).map((r) => `${r.method} ${new URL(r.url).pathname} ${r.status}`);
        throw new kit.ScenarioFailure(`${error instanceof Error ? error.message : error}; after Enter: ${seen.join(", ") || "no request"}; focus ${JSON.stringify(await focused(s))}`);
      }
      check((await h.meStatus()) === 401, "still signed in after signing out with the keyboard");
      return "signed in, was refused with the focus on the error, and signed out, with Tab, typing and Enter only";
    },
  };
}
