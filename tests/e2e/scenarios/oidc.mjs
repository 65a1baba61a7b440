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
        // the same limit as the built-in sign-in page: the sign-in ends on the
        // API's own account page.
        await s.goto(`${cfg.apiUrl}/auth/oidc/mock/start?next=${encodeURIComponent("/auth/account")}`);
        await signInAtProvider(s, subject, h.timeout);
        const api = new URL(cfg.apiUrl).origin;
        await waitForUrl(s.url, (/** @type {URL} */ u) => u.origin === api && u.pathname === "/auth/account", h.timeout, `${api}/auth/account`);
        await s.waitFor("#username");
        const shown = await s.text("#username");
        check(shown === name, `the API's account page after the provider shows "${shown}", expected "${name}"`);
        return "cross-site: button shown on the app; signed in through the provider, landed on the API's own account page";
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
        // "oidc-provider-sign-in"): the same steps on the API's built-in pages.
        const api = new URL(cfg.apiUrl).origin;
        /** @param {string} pathname @param {(u: URL) => boolean} [more] */
        const onApi = (pathname, more = () => true) =>
          waitForUrl(s.url, (/** @type {URL} */ u) => u.origin === api && u.pathname === pathname && more(u), h.timeout, `${api}${pathname}`);
        await s.goto(`${cfg.apiUrl}/auth/oidc/mock/start?next=${encodeURIComponent("/auth/account")}`);
        await signInAtProvider(s, subject, h.timeout);
        await onApi("/auth/account");
        await s.waitFor("#totp-setup");
        await s.click("#totp-setup");
        try {
          await s.waitFor("#totp-qr svg");
        } catch (error) {
          const said = await s.evaluate(() => document.querySelector("#mfa-error")?.textContent ?? "");
          throw new Error(`no QR code after "Set up" (the page says "${said}"): ${error}`);
        }
        const secret = await s.text("#totp-secret");
        await s.fill('input[name="totp-code"]', totp(secret, Date.now()));
        await s.click("#totp-confirm");
        await s.waitFor("#recovery-list li");
        await s.click("#sign-out");
        await onApi("/auth/login");
        await s.waitFor("#oidc-mock");
        await s.click("#oidc-mock");
        await signInAtProvider(s, subject, h.timeout);
        // The callback sends the browser to the built-in code step, not to a signed-in page.
        await onApi("/auth/login", (u) => u.searchParams.get("mfa") === "1");
        await s.waitFor("#mfa-form");
        check(!(await s.bodyText()).includes("You are signed in"), "signed in before the code step");
        // The confirmation spent this 30-second step's code; the next step's is within the allowed skew.
        await s.fill("#code", totp(secret, Date.now() + 30_000));
        await s.click('#mfa-form button[type="submit"]');
        const landed = await onApi("/auth/login", (u) => !u.searchParams.has("mfa"));
        check(!landed.search.includes("code="), `the address bar keeps ${landed.href}`);
        await s.waitFor("#signed-in");
        const shown = await s.text("#signed-in strong");
        check(shown === name, `the signed-in page shows "${shown}", expected "${name}"`);
        return "cross-site: signed in through the provider on the API's pages, enrolled TOTP on its account page, signed out; the provider's button then led to the built-in code step, and a TOTP code to the signed-in page";
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
