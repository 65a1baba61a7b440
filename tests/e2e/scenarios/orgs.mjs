// @ts-check
// Organisations across two browsers: Alice (the built-in account page on the
// API) creates "Acme" and invites Bob by mail; Bob (the example app) opens the
// mailed link, accepts, switches to Acme and sees the Acme-only page (/org);
// Alice removes him, and Bob's next navigation to /org is refused. Users come
// from mail_users() in tests/test_browser_e2e.py (one pair per browser); Bob's
// address is verified, as an invitation needs.

import { openBrowser } from "../browsers.mjs";

/** @typedef {import("../run.mjs").Config & {mailSinkUrl: string}} MailConfig */
/** @typedef {import("../browsers.mjs").Session} Session */

/** @param {{check: (c: unknown, m: string) => void, sleep: (ms: number) => Promise<void>, waitForUrl: Function, ScenarioFailure: any}} kit */
export default function orgScenarios(kit) {
  const { check, sleep, waitForUrl } = kit;

  /** @param {MailConfig} cfg @param {string} address */
  async function mailedLink(cfg, address) {
    const deadline = Date.now() + (cfg.timeoutMs ?? 15000);
    for (;;) {
      const reply = await fetch(`${cfg.mailSinkUrl}/last?to=${encodeURIComponent(address)}`);
      /** @type {{link: string | null} | null} */
      const mail = await reply.json();
      if (mail?.link) return mail.link;
      if (Date.now() > deadline) throw new kit.ScenarioFailure(`no invitation mail reached ${address}`);
      await sleep(200);
    }
  }

  /** @param {Session} s @param {() => Promise<boolean>} condition @param {number} timeoutMs @param {string} what */
  async function until(s, condition, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await condition().catch(() => false)) return;
      if (Date.now() > deadline) throw new kit.ScenarioFailure(`${what} (at ${s.url()})`);
      await sleep(100);
    }
  }

  /** @param {Session} s @param {string} selector */
  const present = (s, selector) => s.evaluate((/** @type {string} */ sel) => !!document.querySelector(sel), selector);

  return {
    /** @param {MailConfig} cfg @param {Session} bob */
    async "organisation-invite-switch-remove"(cfg, bob) {
      const timeout = cfg.timeoutMs ?? 15000;
      const owner = `orgowner-${cfg.browser}`;
      const member = `orgmember-${cfg.browser}`;
      const memberEmail = `${member}.${cfg.shape}@mail.test`;
      const slug = `acme-${cfg.browser}`;
      const appOrigin = new URL(cfg.appUrl).origin;
      const alice = await openBrowser(cfg.browser, {
        workDir: cfg.workDir,
        resolveHosts: cfg.resolveHosts,
        caCertPath: cfg.caCertPath,
        timeoutMs: timeout,
      });
      try {
        // Alice, on the built-in pages: sign in, create Acme, invite Bob by mail.
        await alice.goto(`${cfg.apiUrl}/auth/login?next=${encodeURIComponent("/auth/account")}`);
        await alice.waitFor('input[name="username"]');
        await alice.fill('input[name="username"]', owner);
        await alice.fill('input[name="password"]', cfg.password);
        await alice.click('form[action$="/auth/login"] button[type="submit"]');
        await alice.waitFor("#orgs-account");
        await alice.fill("#org-name", "Acme");
        await alice.fill("#org-slug", slug);
        await alice.click("#org-create-button");
        await alice.waitFor(`li.org[data-slug="${slug}"] button[data-action="members"]`);
        await alice.click(`li.org[data-slug="${slug}"] button[data-action="members"]`);
        await alice.waitFor("#org-admin:not([hidden])");
        await alice.fill("#invite-email", memberEmail);
        await alice.click("#invite-button");
        await until(alice, async () => (await alice.text("#org-invitations")).includes(memberEmail), timeout, "the invitation is not listed");

        // Bob, in the example app: sign in, open the mailed link, accept, switch, see the Acme-only page.
        await bob.goto(`${cfg.appUrl}/login`);
        await bob.waitFor('[data-testid="login-form"]');
        await bob.fill('input[name="username"]', member);
        await bob.fill('input[name="password"]', cfg.password);
        await bob.click('[data-testid="login-form"] button[type="submit"]');
        await waitForUrl(bob.url, (/** @type {URL} */ u) => u.origin === appOrigin && u.pathname === "/dashboard", timeout, "the dashboard");
        const link = await mailedLink(cfg, memberEmail);
        check(link.startsWith(`${cfg.appUrl}/accept-invitation?token=`), `the mailed link is ${link}`);
        await bob.goto(link);
        await bob.waitFor('[data-testid="accept-invitation"]');
        await bob.click('[data-testid="accept-invitation"]');
        await bob.waitFor('[data-testid="invitation-joined"]');
        await bob.goto(`${cfg.appUrl}/dashboard`);
        // The dashboard's <OrganizationSwitcher />: choose Acme; it says so once the new token is in.
        await bob.waitFor('[data-testid="org-switcher"]');
        await bob.select('[data-testid="org-switcher"]', slug);
        await until(bob, async () => (await bob.bodyText()).includes("Now working in Acme"), timeout, "Acme did not become active");
        await bob.goto(`${cfg.appUrl}/org`);
        await bob.waitFor('[data-testid="org-name"]');
        const shown = await bob.text('[data-testid="org-name"]');
        check(shown === "Acme", `the organisation page shows "${shown}"`);

        // Alice removes Bob (the member list, reloaded, now has him).
        await alice.click(`li.org[data-slug="${slug}"] button[data-action="members"]`);
        const remove = `#org-members button[data-user="${member}"]`;
        await alice.waitFor(remove);
        await alice.click(remove);
        const removedAt = Date.now();
        await until(alice, async () => !(await present(alice, remove)), timeout, "Bob is still listed");

        // Bob's next navigation to the Acme-only page is refused: same-site, by proxy.ts (its probe
        // meets the API's membership view) sending him to the dashboard; cross-site (no proxy), by
        // the page itself. The API refuses within a second everywhere (a server process that has not
        // heard of the removal yet may still pass one navigation), so navigations go on until then.
        const refusedBy = cfg.crossSite ? "the page" : "the proxy";
        let navigations = 0;
        for (;;) {
          navigations += 1;
          await bob.goto(`${cfg.appUrl}/org`);
          await until(
            bob,
            async () =>
              new URL(bob.url()).pathname === "/dashboard" ||
              (await present(bob, '[data-testid="org-denied"]')) ||
              (await present(bob, '[data-testid="org-name"]')),
            timeout,
            "the organisation page settled on nothing",
          );
          const toDashboard = new URL(bob.url()).pathname === "/dashboard";
          if (cfg.crossSite ? await present(bob, '[data-testid="org-denied"]') : toDashboard) break;
          const since = Date.now() - removedAt;
          check(since < 2000, `${since} ms after his removal, ${refusedBy} still let Bob in (navigation #${navigations})`);
        }
        const where = new URL(bob.url()).pathname;
        return `Acme created, Bob invited by mail, accepted, switched and saw /org; removed, his navigation #${navigations} was refused by ${refusedBy}${where === "/dashboard" ? " (sent to the dashboard)" : ""}`;
      } finally {
        await alice.close().catch(() => {});
      }
    },
  };
}
