// @ts-check
// Sign-in with an identity provider: oidc-provider-mock runs on
// http://127.0.0.1:<port> (tests/test_browser_e2e.py starts it) and is the
// API's provider "mock" in every shape. The browser clicks the provider's
// button on the Next.js login page, signs in on the provider's own page, and
// comes back through the API's callback.

import { totp } from "./mfa.mjs";

/** @typedef {import("../browsers.mjs").Session} Session */

/** @param {any} kit */
export default function ({ helpers, check, waitForUrl }) {
  /**
   * At the provider's authorization page: sign in as `subject`.
   * @param {Session} s
   * @param {string} subject
   * @param {number} timeout
   */
  async function signInAtProvider(s, subject, timeout) {
    await waitForUrl(s.url, (/** @type {URL} */ u) => u.hostname === "127.0.0.1" && u.pathname === "/oauth2/authorize", timeout, "the provider's page");
    await s.waitFor('input[name="sub"]');
    await s.fill('input[name="sub"]', subject);
    await s.click('button[type="submit"]:not([name])');
  }

  return {
    /**
     * @param {any} cfg
     * @param {Session} s
     */
    async "oidc-provider-sign-in"(cfg, s) {
      const h = helpers(cfg, s);
      // A new person at the provider each run: the API creates their user,
      // named after the email the mock reports (the subject itself).
      const name = `${cfg.browser}-${cfg.shape}-${Date.now()}`;
      const subject = `${name}@example.com`;
      // The API's built-in sign-in page has the provider's button too.
      await s.goto(`${cfg.apiUrl}/auth/login`);
      await s.waitFor("#oidc-mock");
      await s.goto(`${cfg.appUrl}/login`);
      await s.waitFor('[data-testid="oidc-mock"]');
      if (cfg.crossSite) {
        // Cookies set while the API is the top-level site (its callback) live
        // in the API's own partition, which the app's partition never sees;
        // the same limit as the built-in sign-in page: check on the API's origin.
        await s.goto(`${cfg.apiUrl}/auth/oidc/mock/start?next=${encodeURIComponent("/auth/me")}`);
        await signInAtProvider(s, subject, h.timeout);
        const api = new URL(cfg.apiUrl).origin;
        await waitForUrl(s.url, (/** @type {URL} */ u) => u.origin === api && u.pathname === "/auth/me", h.timeout, `${api}/auth/me`);
        const body = await s.bodyText();
        /** @type {{user?: {username?: string}} | null} */
        let me = null;
        try {
          me = JSON.parse(body);
        } catch {
          me = null;
        }
        check(me?.user?.username === name, `GET /auth/me after the provider shows ${body.slice(0, 200)}`);
        return "cross-site: button shown on the app; signed in through the provider on the API's own origin";
      }
      await s.click('[data-testid="oidc-mock"]');
      await signInAtProvider(s, subject, h.timeout);
      await h.waitForAppPath("/dashboard");
      await s.waitFor('[data-testid="current-username"]');
      const shown = await s.text('[data-testid="current-username"]');
      check(shown === name, `the dashboard shows "${shown}", expected "${name}"`);
      await s.waitFor('[data-testid="identity-mock"]');
      return "clicked the provider's button, signed in at the provider, landed on the dashboard with the identity listed";
    },

    /**
     * With TOTP enrolled, the code step comes between the provider and the dashboard.
     * @param {any} cfg
     * @param {Session} s
     */
    async "oidc-provider-then-totp"(cfg, s) {
      const h = helpers(cfg, s);
      // A new person at the provider each run (see "oidc-provider-sign-in").
      const name = `totp-${cfg.browser}-${cfg.shape}-${Date.now()}`;
      const subject = `${name}@example.com`;
      if (cfg.crossSite) {
        // Cross-site, a provider sign-in lands in the API's own partition (see
        // "oidc-provider-sign-in"), where only the built-in pages run; the code
        // step after a provider is covered here in the dev and https shapes and
        // on the built-in pages by tests/test_mfa_pages.py and tests/test_oidc.py.
        return "cross-site: the code step after a provider is checked in the dev and prod shapes";
      }

      await s.goto(`${cfg.appUrl}/login`);
      await s.waitFor('[data-testid="oidc-mock"]');
      await s.click('[data-testid="oidc-mock"]');
      await signInAtProvider(s, subject, h.timeout);
      await h.waitForAppPath("/dashboard");
      await s.waitFor('[data-testid="current-username"]');

      await s.goto(`${cfg.appUrl}/account`);
      await s.waitFor('[data-testid="totp-setup"]');
      await s.click('[data-testid="totp-setup"]');
      await s.waitFor('[data-testid="totp-qr"]');
      const secret = await s.text('[data-testid="totp-secret"]');
      await s.fill('input[name="totp-code"]', totp(secret, Date.now()));
      await s.click('[data-testid="totp-confirm"]');
      await s.waitFor('[data-testid="totp-active"]');

      await s.goto(`${cfg.appUrl}/dashboard`);
      await s.waitFor('[data-testid="logout"]');
      await s.click('[data-testid="logout"]');
      await h.expectOnLoginPage();
      check((await h.meStatus()) === 401, "still signed in after logging out");

      await s.waitFor('[data-testid="oidc-mock"]');
      await s.click('[data-testid="oidc-mock"]');
      await signInAtProvider(s, subject, h.timeout);
      // The callback sends the browser to the app's code step, not the dashboard.
      const step = await h.waitForAppPath("/login");
      check(step.searchParams.get("mfa") === "1", `the provider's callback led to ${step.href}, not the code step`);
      await s.waitFor('[data-testid="mfa-form"]');
      check(new URL(s.url()).pathname === "/login", `left the code step for ${s.url()}`);
      check((await h.meStatus()) === 401, "signed in before the code step");
      // The confirmation spent this 30-second step's code; the next step's is within the allowed skew.
      await s.fill('input[name="code"]', totp(secret, Date.now() + 30_000));
      await s.click('form[data-testid="mfa-form"] button[type="submit"]');
      await h.waitForAppPath("/dashboard");
      await s.waitFor('[data-testid="current-username"]');
      const shown = await s.text('[data-testid="current-username"]');
      check(shown === name, `the dashboard shows "${shown}", expected "${name}"`);
      return "signed in through the provider, enrolled TOTP on the account page, signed out; the provider's button then led to the code step, and a TOTP code to the dashboard";
    },
  };
}
