// @ts-check
// Accessibility of the server's own pages (the Flask templates): axe-core on
// every built-in page and in its states (a refusal, the code step, signed in,
// the admin console, the consent page), zero serious or critical violations.
//
// These pages send a strict Content-Security-Policy (no eval), so axe's source
// is not eval'd by the page: Session.runSource hands it to the driver as the
// evaluated expression itself (CDP's Runtime.evaluate, WebDriver BiDi's
// script.evaluate), which the page's policy does not govern.

import fs from "node:fs";
import { createRequire } from "node:module";

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** @typedef {import("../browsers.mjs").Session} Session */

/** @param {any} kit */
export default function a11yBuiltin(kit) {
  const { check, waitForUrl } = kit;

  /**
   * axe-core's serious and critical violations on the page as it is now, one line each.
   * @param {Session} s
   * @returns {Promise<string[]>}
   */
  async function violations(s) {
    await s.runSource(`${AXE_SOURCE}\n;void 0`);
    return s.evaluate(async () => {
      const result = await /** @type {any} */ (window).axe.run(document, { resultTypes: ["violations"] });
      // A run that checked nothing would pass anything.
      if (!result.passes.length) return ["axe-core checked no rule on this page"];
      return result.violations
        .filter((/** @type {any} */ v) => v.impact === "serious" || v.impact === "critical")
        .map((/** @type {any} */ v) => `${v.impact} ${v.id}: ${v.nodes.map((/** @type {any} */ n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
    });
  }

  return {
    /** @param {any} cfg @param {Session} s */
    async "a11y-builtin-pages"(cfg, s) {
      const timeout = cfg.timeoutMs ?? 15000;
      const api = new URL(cfg.apiUrl);
      /** @type {string[]} */
      const found = [];
      /** @type {string[]} */
      const checked = [];
      /** Check the page once `selector` shows. @param {string} label @param {string} selector */
      const audit = async (label, selector) => {
        await s.waitFor(selector);
        for (const line of await violations(s)) found.push(`${label}: ${line}`);
        checked.push(label);
      };
      /** @param {string} path @param {string} selector */
      const visit = async (path, selector) => {
        await s.goto(`${cfg.apiUrl}${path}`);
        await audit(path, selector);
      };
      /** Submit the sign-in form as `name` with `password`. @param {string} name @param {string} password @param {string} next */
      const signIn = async (name, password, next = "/auth/account") => {
        await s.goto(`${cfg.apiUrl}/auth/login?next=${encodeURIComponent(next)}`);
        await s.waitFor('input[name="username"]');
        await s.fill('input[name="username"]', name);
        await s.fill('input[name="password"]', password);
        await s.click('form[action$="/auth/login"] button[type="submit"]');
      };

      await visit("/auth/login", 'input[name="username"]');
      await visit("/auth/login?lang=de", 'input[name="username"]');
      await visit("/auth/register", 'input[name="username"]');
      await visit("/auth/password/forgot", "form");
      await visit("/auth/magic-link", "form");
      await visit("/auth/password/reset?token=bad", "main");
      await visit("/auth/email/verify?token=bad", "main");
      await visit("/auth/invitations/accept?token=bad", "main");
      await visit("/auth/passkeys/login", "main");

      // A refusal.
      await signIn(`nobody-${cfg.browser}`, `${cfg.password}-wrong`); // no real user: nobody's failure count grows
      await audit("/auth/login (refused)", "#error");
      // The code step: a user with TOTP, stopped before any code is used.
      await signIn(`rp-${cfg.browser}`, cfg.password);
      await audit("/auth/login?mfa=1", '#mfa-form input[name="code"]');

      // Signed in as an admin (no second factor): signed-in, account, admin pages.
      await signIn(`admin-${cfg.browser}`, cfg.password);
      await waitForUrl(s.url, (/** @type {URL} */ u) => u.origin === api.origin && u.pathname === "/auth/account", timeout, "the account page");
      await s.goto(`${cfg.apiUrl}/auth/login`);
      await audit("/auth/login (signed in)", "#signed-in");
      await visit("/auth/account", "#username");
      await visit("/auth/admin", "#q");
      await s.fill("#q", `target-${cfg.browser}`);
      await s.click("#search");
      await s.waitFor('a[href^="/auth/admin/pages/users/"]');
      await audit("/auth/admin (results)", 'a[href^="/auth/admin/pages/users/"]');
      await s.click('a[href^="/auth/admin/pages/users/"]');
      await audit("/auth/admin/pages/users/<id>", "#user-heading");
      await visit("/auth/admin/pages/audit", "main");

      // The OpenID provider's consent page, when this shape is a provider.
      if (cfg.rpUrl) {
        await s.goto(`${cfg.rpUrl}/login`);
        await audit("/oauth2/authorize (consent)", "#consent-allow");
      }

      check(found.length === 0, `axe-core found ${found.length} serious or critical violation(s): ${found.join(" | ")}`);
      return `axe-core: no serious or critical violation on ${checked.length} built-in page states (${checked.join(", ")})`;
    },
  };
}
