// @ts-check
// Sign-in with an identity provider: oidc-provider-mock runs on
// http://127.0.0.1:<port> (tests/test_browser_e2e.py starts it) and is the
// API's provider "mock" in every shape. The browser clicks the provider's
// button on the Next.js login page, signs in on the provider's own page, and
// comes back through the API's callback.

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
  };
}
