// @ts-check
// This server as an OpenID provider: a small relying party on another port
// (tests/relying_party.py, started by tests/test_browser_e2e.py) sends the
// browser to this server's sign-in page; the person signs in with a password
// and a TOTP code, allows the app on the consent page, and lands back on the
// app signed in as themselves. Signing out at this server then ends the
// app's refresh token.

import { totp } from "./mfa.mjs";

/** @typedef {import("../browsers.mjs").Session} Session */

/** @param {any} kit */
export default function ({ check, waitForUrl }) {
  /**
   * Click `selector` until the browser leaves the page that shows it. The
   * e2e access cookie lives 3 s; when it has expired, the server renews it
   * through one hop and shows the same page again, so a click may be needed twice.
   * @param {Session} s @param {string} selector @param {(u: URL) => boolean} arrived @param {number} timeout
   */
  async function clickUntil(s, selector, arrived, timeout) {
    for (let attempt = 0; attempt < 4; attempt++) {
      await s.waitFor(selector);
      await s.click(selector);
      try {
        await waitForUrl(s.url, arrived, timeout / 2, "the next page");
        return;
      } catch {
        // shown again after the renewal hop: click again
      }
    }
    await waitForUrl(s.url, arrived, timeout, "the next page");
  }

  return {
    /**
     * @param {any} cfg
     * @param {Session} s
     */
    async "oidc-provider-relying-party"(cfg, s) {
      const timeout = cfg.timeoutMs ?? 15000;
      const api = new URL(cfg.apiUrl);
      const rp = new URL(cfg.rpUrl);
      const user = `rp-${cfg.browser}`;
      const secret = cfg.rpTotpSecrets[user];
      await s.goto(`${cfg.rpUrl}/login`);
      await waitForUrl(s.url, (u) => u.origin === api.origin && u.pathname === "/auth/login", timeout, "this server's sign-in page");
      await s.waitFor('input[name="username"]');
      await s.fill('input[name="username"]', user);
      await s.fill('input[name="password"]', cfg.password);
      await s.click('form[action$="/auth/login"] button[type="submit"]');
      await s.waitFor('#mfa-form input[name="code"]');
      // The enrolment used this step's code; the next step's is accepted once.
      await s.fill('#mfa-form input[name="code"]', totp(secret, Date.now() + 30_000));
      await s.click('#mfa-form button[type="submit"]');
      await s.waitFor("#consent-allow");
      const asking = await s.text("#consent-title");
      check(asking.includes("E2E relying party"), `the consent page names the app: "${asking}"`);
      await clickUntil(s, "#consent-allow", (u) => u.origin === rp.origin && u.pathname === "/callback", timeout);
      await s.waitFor("#rp-user");
      const shown = await s.text("#rp-user");
      check(shown === user, `the app shows "${shown}", expected "${user}"`);
      const amr = await s.text("#rp-amr");
      check(amr.split(" ").includes("otp"), `the ID token's amr says a TOTP code was used: "${amr}"`);
      await s.goto(`${cfg.rpUrl}/refresh`);
      await s.waitFor("#rp-refresh");
      check((await s.text("#rp-refresh")) === "ok", "the app refreshes while the session lives");
      await s.goto(`${cfg.apiUrl}/oauth2/logout`);
      for (let attempt = 0; attempt < 4; attempt++) {
        await s.waitFor("#confirm-sign-out");
        await s.click("#confirm-sign-out");
        try {
          await s.waitFor("#signed-out", timeout / 2);
          break;
        } catch {
          // asked again after the renewal hop
        }
      }
      await s.waitFor("#signed-out");
      await s.goto(`${cfg.rpUrl}/refresh`);
      await s.waitFor("#rp-refresh");
      const after = await s.text("#rp-refresh");
      check(after === "refused: invalid_grant", `after signing out here the app's refresh is refused: "${after}"`);
      return "the app sent the browser here; password + TOTP, consent, back signed in as the user; sign-out here ended the app's refresh";
    },
  };
}
