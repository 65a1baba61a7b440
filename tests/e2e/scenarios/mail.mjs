// @ts-check
// Email flows in the example app: forgot password -> mailed link -> new
// password -> signed in; verify an address; sign in by magic link. Mail goes
// to the SMTP sink in the pytest process, read back through its HTTP endpoint
// (cfg.mailSinkUrl). Each browser has its own users (see mail_users() in
// tests/test_browser_e2e.py), so a reset never touches another scenario's user.

import { openBrowser } from "../browsers.mjs";

/** @typedef {import("../run.mjs").Config & {mailSinkUrl: string}} MailConfig */
/** @typedef {import("../browsers.mjs").Session} Session */

/** @param {{check: (c: unknown, m: string) => void, sleep: (ms: number) => Promise<void>, waitForUrl: Function, ScenarioFailure: any}} kit */
export default function mailScenarios(kit) {
  const { check, sleep, waitForUrl } = kit;

  /** @param {MailConfig} cfg @param {string} purpose */
  const userFor = (cfg, purpose) => {
    const name = `${purpose}-${cfg.browser}`;
    return { name, email: `${name}.${cfg.shape}@mail.test` };
  };

  /**
   * The link of the newest mail to `address` that is not `previous`, waiting for it.
   * @param {MailConfig} cfg @param {string} address @param {string | null} previous
   */
  async function mailedLink(cfg, address, previous = null) {
    check(cfg.mailSinkUrl, "the harness config has no mailSinkUrl");
    const deadline = Date.now() + (cfg.timeoutMs ?? 15000);
    for (;;) {
      const reply = await fetch(`${cfg.mailSinkUrl}/last?to=${encodeURIComponent(address)}`);
      /** @type {{link: string | null} | null} */
      const mail = await reply.json();
      if (mail?.link && mail.link !== previous) return mail.link;
      if (Date.now() > deadline) throw new kit.ScenarioFailure(`no mail with a link reached ${address}`);
      await sleep(200);
    }
  }

  /** @param {MailConfig} cfg @param {Session} s @param {string} path */
  const waitForAppPath = (cfg, s, path) =>
    waitForUrl(s.url, (/** @type {URL} */ u) => u.origin === new URL(cfg.appUrl).origin && u.pathname === path, cfg.timeoutMs ?? 15000, `${cfg.appUrl}${path}`);

  /** @param {MailConfig} cfg @param {Session} s @param {string} username */
  async function expectDashboardAs(cfg, s, username) {
    await waitForAppPath(cfg, s, "/dashboard");
    await s.waitFor('[data-testid="current-username"]');
    const shown = await s.text('[data-testid="current-username"]');
    check(shown === username, `the dashboard shows "${shown}", expected "${username}"`);
  }

  /** @param {MailConfig} cfg @param {Session} s @param {string} username @param {string} password */
  async function logIn(cfg, s, username, password) {
    await s.goto(`${cfg.appUrl}/login`);
    await s.waitFor('[data-testid="login-form"]');
    await s.fill('input[name="username"]', username);
    await s.fill('input[name="password"]', password);
    await s.click('[data-testid="login-form"] button[type="submit"]');
  }

  /**
   * GET /auth/me from the page, after GET /auth/is-authenticated has refreshed an expired access token.
   * @param {MailConfig} cfg @param {Session} s
   */
  async function me(cfg, s) {
    await s.fetchWithCredentials(`${cfg.apiUrl}/auth/is-authenticated`);
    const { status, body } = await s.fetchWithCredentials(`${cfg.apiUrl}/auth/me`);
    check(status === 200, `GET /auth/me answered ${status}`);
    return JSON.parse(body).user;
  }

  /** @param {MailConfig} cfg */
  const secondBrowser = (cfg) =>
    openBrowser(cfg.browser, {
      workDir: cfg.workDir,
      resolveHosts: cfg.resolveHosts,
      caCertPath: cfg.caCertPath,
      timeoutMs: cfg.timeoutMs ?? 15000,
    });

  return {
    /** @param {MailConfig} cfg @param {Session} s */
    async "forgot-password-by-mail"(cfg, s) {
      const user = userFor(cfg, "reset");
      const newPassword = `${cfg.password}-renewed`;
      const other = await secondBrowser(cfg);
      try {
        await logIn(cfg, other, user.name, cfg.password);
        await expectDashboardAs(cfg, other, user.name);

        await s.goto(`${cfg.appUrl}/login`);
        await s.click('[data-testid="forgot-password-link"]');
        await waitForAppPath(cfg, s, "/forgot-password");
        await s.waitFor('[data-testid="forgot-form"]');
        await s.fill('input[name="email"]', user.email.toUpperCase());
        await s.click('[data-testid="forgot-form"] button[type="submit"]');
        await s.waitFor('[data-testid="forgot-form-done"]');
        const link = await mailedLink(cfg, user.email);
        check(link.startsWith(`${cfg.appUrl}/reset-password?token=`), `the mailed link is ${link}`);

        await s.goto(link);
        await s.waitFor('[data-testid="reset-form"]');
        await s.fill('input[name="new_password"]', newPassword);
        await s.click('[data-testid="reset-form"] button[type="submit"]');
        await expectDashboardAs(cfg, s, user.name);

        // Every process refuses the ended session within a second (another worker may serve it).
        const reset = Date.now();
        for (;;) {
          const otherMe = await other.fetchWithCredentials(`${cfg.apiUrl}/auth/me`);
          if (otherMe.status === 401) break;
          check(Date.now() - reset < 1000, `a second after the reset the other browser's session still answers /auth/me with ${otherMe.status}`);
          await sleep(50);
        }
        // A proxy that checks the access token locally (the production shapes) turns the ended
        // session's pages away once that token expires (ACCESS_TOKEN_TTL), when it must refresh.
        await sleep((cfg.accessTtlSeconds + 1.5) * 1000);
        await other.goto(`${cfg.appUrl}/dashboard`);
        await waitForAppPath(cfg, other, "/login");

        await logIn(cfg, other, user.name, cfg.password);
        await other.waitFor('[data-testid="login-error"]');
        await logIn(cfg, other, user.name, newPassword);
        await expectDashboardAs(cfg, other, user.name);
      } finally {
        await other.close().catch(() => {});
      }
      return "reset by mailed link, signed in on the dashboard; the other browser was signed out; the old password is refused";
    },

    /** @param {MailConfig} cfg @param {Session} s */
    async "verify-email-by-mail"(cfg, s) {
      const user = userFor(cfg, "verify");
      await logIn(cfg, s, user.name, cfg.password);
      await expectDashboardAs(cfg, s, user.name);
      await s.goto(`${cfg.appUrl}/account/email`);
      await s.waitFor('[data-testid="email-form"]');
      await s.fill('input[name="email"]', user.email);
      await s.click('[data-testid="email-form"] button[type="submit"]');
      await s.waitFor('[data-testid="email-form-done"]');
      const before = await me(cfg, s);
      check(before?.email_verified === false, `before the link: ${JSON.stringify(before)}`);

      const link = await mailedLink(cfg, user.email);
      check(link.startsWith(`${cfg.appUrl}/verify-email?token=`), `the mailed link is ${link}`);
      await s.goto(link);
      await s.waitFor('[data-testid="verify-form"]');
      await s.click('[data-testid="verify-form"] button[type="submit"]');
      await s.waitFor('[data-testid="verify-form-done"]');
      const after = await me(cfg, s);
      check(after?.email === user.email && after?.email_verified === true, `after the link: ${JSON.stringify(after)}`);
      return `${user.email} verified through the mailed link`;
    },

    /** @param {MailConfig} cfg @param {Session} s */
    async "magic-link-signs-in"(cfg, s) {
      const user = userFor(cfg, "magic");
      await s.goto(`${cfg.appUrl}/login`);
      await s.click('[data-testid="magic-link-link"]');
      await waitForAppPath(cfg, s, "/magic-link");
      await s.waitFor('[data-testid="magic-request-form"]');
      await s.fill('input[name="email"]', user.email);
      await s.click('[data-testid="magic-request-form"] button[type="submit"]');
      await s.waitFor('[data-testid="magic-request-form-done"]');
      const link = await mailedLink(cfg, user.email);
      check(link.startsWith(`${cfg.appUrl}/magic-link?token=`), `the mailed link is ${link}`);

      await s.goto(link);
      await s.waitFor('[data-testid="magic-form"]');
      const beforeClick = await s.fetchWithCredentials(`${cfg.apiUrl}/auth/me`);
      check(beforeClick.status === 401, `opening the link signed in already (/auth/me ${beforeClick.status})`);
      await s.click('[data-testid="magic-form"] button[type="submit"]');
      await expectDashboardAs(cfg, s, user.name);
      return "signed in by the mailed link, after pressing the button (not on opening it)";
    },
  };
}
