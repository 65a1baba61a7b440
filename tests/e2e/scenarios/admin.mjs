// @ts-check
// The admin console's built-in pages in real browsers: an admin searches a
// user, locks them (the user's other browser is signed out within a second),
// unlocks, signs in as them (the banner shows; a password change is refused)
// and stops, back in their own session.

import { openBrowser } from "../browsers.mjs";

/** @param {any} kit */
export default function admin(kit) {
  const { check, sleep, waitForUrl } = kit;

  /**
   * Sign in on the API's built-in page, going on to `next`.
   * @param {any} cfg @param {import("../browsers.mjs").Session} s @param {string} name @param {string} next
   */
  async function signIn(cfg, s, name, next) {
    await s.goto(`${cfg.apiUrl}/auth/login?next=${encodeURIComponent(next)}`);
    await s.waitFor('input[name="username"]');
    await s.fill('input[name="username"]', name);
    await s.fill('input[name="password"]', cfg.password);
    await s.click('form [type="submit"]');
  }

  /**
   * Wait until the element's text passes `test` (a click's page load may not have landed yet).
   * @param {import("../browsers.mjs").Session} s @param {string} selector
   * @param {(text: string) => boolean} test @param {number} timeout @param {string} what
   */
  async function waitText(s, selector, test, timeout, what) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const text = await s.text(selector).catch(() => "");
      if (test(text)) return text;
      check(Date.now() < deadline, `${what}: ${selector} reads "${text}"`);
      await sleep(100);
    }
  }

  return {
    /** @param {any} cfg @param {import("../browsers.mjs").Session} s */
    async "admin-locks-and-impersonates"(cfg, s) {
      const timeout = cfg.timeoutMs ?? 15000;
      const api = new URL(cfg.apiUrl);
      const onApi = (/** @type {string} */ pathname) => (/** @type {URL} */ u) =>
        u.origin === api.origin && u.pathname === pathname;
      const adminName = `admin-${cfg.browser}`;
      const target = `target-${cfg.browser}`;
      const other = await openBrowser(cfg.browser, {
        workDir: cfg.workDir,
        resolveHosts: cfg.resolveHosts,
        caCertPath: cfg.caCertPath,
        timeoutMs: timeout,
      });
      let lockedAfterMs = -1;
      try {
        // The user, signed in in a browser of their own.
        await signIn(cfg, other, target, "/auth/account");
        await waitForUrl(other.url, onApi("/auth/account"), timeout, "the user's account page");
        check((await other.fetchWithCredentials(`${cfg.apiUrl}/auth/me`)).status === 200, "the user is not signed in");

        // The admin finds them.
        await signIn(cfg, s, adminName, "/auth/admin");
        await waitForUrl(s.url, onApi("/auth/admin"), timeout, "the admin search page");
        await s.fill("#q", target);
        await s.click("#search");
        await s.waitFor(`a[href^="/auth/admin/pages/users/"]`);
        await s.click(`a[href^="/auth/admin/pages/users/"]`);
        await s.waitFor("#user-heading");
        check((await s.text("#user-heading")) === target, `the user page shows ${await s.text("#user-heading")}`);

        // Lock: confirmed, then the user's browser is signed out within a second.
        await s.fill('form[action$="/lock"] input[name="reason"]', "e2e");
        await s.click('form[action$="/lock"] input[name="confirm"]');
        await s.click("#lock-button");
        await waitText(s, "#notice", (t) => t.includes("locked"), timeout, "the lock's notice");
        const locked = Date.now();
        for (;;) {
          const { status } = await other.fetchWithCredentials(`${cfg.apiUrl}/auth/me`);
          if (status === 401) break;
          check(Date.now() - locked < 1000, "the locked user's browser still got 200 from /auth/me a second after the lock");
          await sleep(50);
        }
        lockedAfterMs = Date.now() - locked;
        await waitText(s, "#status", (t) => t.startsWith("locked: e2e"), timeout, "the locked user's status");

        // Unlock.
        await s.click("#unlock-button");
        await waitText(s, "#status", (t) => t === "active", timeout, "after unlocking");
      } finally {
        await other.close().catch(() => {});
      }

      // Sign in as the user: the account page with the banner.
      await s.click('form[action$="/impersonate"] input[name="confirm"]');
      await s.click("#impersonate-button");
      await waitForUrl(s.url, onApi("/auth/account"), timeout, "the user's account page, impersonating");
      await s.waitFor("#impersonation-banner");
      await waitText(s, "#username", (t) => t === target, timeout, "impersonating, the account page");
      await waitText(s, "#impersonation-banner", (t) => t.includes(adminName), timeout, "the banner");

      // A password change is refused.
      await s.fill("#current_password", cfg.password);
      await s.fill("#new_password", "Another-Long-Passphrase-77");
      await s.fill("#new_password_repeat", "Another-Long-Passphrase-77");
      await s.click('form[action$="/account/password"] button[type="submit"]');
      await waitText(s, "#error", (t) => t.startsWith("Not while an administrator"), timeout, "the password change");

      // Stop: back on the admin pages, as the admin, without signing in again.
      await s.waitFor("#stop-impersonating");
      await s.click("#stop-impersonating");
      await waitForUrl(s.url, onApi("/auth/admin"), timeout, "the admin pages after stopping");
      // (The admin pages allow no fetch, and /auth/me sends a navigating browser to the
      // signed-in page: that page names who is signed in, and shows no impersonation banner.)
      const status = await s.gotoStatus(`${cfg.apiUrl}/auth/me`);
      await s.waitFor("#signed-in");
      const who = await s.text("#signed-in strong");
      check(status === 200 && who === adminName, `after stopping the signed-in page says ${status} ${who}`);
      const page = await s.bodyText();
      check(!page.includes("are signed in as this user"), "after stopping the page still shows the impersonation banner");
      return `locked user signed out after ${lockedAfterMs} ms; impersonated with banner, password change refused, stopped`;
    },
  };
}
