// @ts-check
// A first-time user on the API's built-in pages only (issue 18): no frontend,
// no JSON typed by hand. From the server's address they register, confirm the
// email from the mail, enrol an authenticator app on the account page (the
// key read from the QR code's text alternative), sign out and in again with a
// code, ask for a password reset from the sign-in page and finish it with a
// recovery code, and sign in through the identity provider. Every step ends
// on a page: the address bar never keeps a one-time code or a form's POST URL.
//
// Mails go to the SMTP sink (cfg.mailSinkUrl). EMAIL_LINK_URL points the
// links at the example app in these deployments, so the scenario takes the
// token from the mailed link and opens the API's own page with it.

import { totp } from "./mfa.mjs";

/** @typedef {import("../browsers.mjs").Session} Session */

/** @param {any} kit */
export default function firstTimeUser({ check, sleep, waitForUrl, ScenarioFailure }) {
  /**
   * The newest mail to `address` whose link is not `previous`, waiting for it.
   * @param {any} cfg @param {string} address @param {string | null} previous
   * @returns {Promise<{link: string, subject: string}>}
   */
  async function mailTo(cfg, address, previous = null) {
    const deadline = Date.now() + (cfg.timeoutMs ?? 15000);
    for (;;) {
      const reply = await fetch(`${cfg.mailSinkUrl}/last?to=${encodeURIComponent(address)}`);
      const mail = await reply.json();
      if (mail?.link && mail.link !== previous) return mail;
      if (Date.now() > deadline) throw new ScenarioFailure(`no new mail with a link reached ${address}`);
      await sleep(200);
    }
  }

  /** @param {string} link */
  const tokenOf = (link) => {
    const token = new URL(link).searchParams.get("token");
    check(token, `the mailed link ${link} has no token`);
    return /** @type {string} */ (token);
  };

  return {
    /**
     * @param {any} cfg
     * @param {Session} s
     */
    async "builtin-pages-first-time-user"(cfg, s) {
      const timeout = cfg.timeoutMs ?? 15000;
      const api = new URL(cfg.apiUrl).origin;
      /** @param {string} pathname @param {(u: URL) => boolean} [more] */
      const at = (pathname, more = () => true) =>
        waitForUrl(s.url, (/** @type {URL} */ u) => u.origin === api && u.pathname === pathname && more(u), timeout, `${api}${pathname}`);
      /** Signed in: the sign-in page says who, and the address bar holds no code or form URL. */
      const expectSignedIn = async (/** @type {string} */ name, /** @type {string} */ how) => {
        const url = await at("/auth/login", (u) => !u.searchParams.has("mfa"));
        check(!url.search.includes("code="), `${how}: the address bar keeps ${url.href}`);
        await s.waitFor("#signed-in");
        const shown = await s.text("#signed-in strong");
        check(shown === name, `${how}: the page says signed in as "${shown}", expected "${name}"`);
      };
      const signOut = async () => {
        await s.click("#sign-out");
        await at("/auth/login");
        await s.waitFor('input[name="username"]');
      };
      const stamp = Date.now().toString(36);
      const name = `new-${cfg.browser}-${cfg.shape}-${stamp}`;
      const address = `${name}@mail.test`;
      const password = "Quiet-Meadow-Compass-17";

      // The server's address leads to the sign-in page, which offers registration.
      await s.goto(`${cfg.apiUrl}/`);
      await at("/auth/login");
      await s.waitFor("#register-link");
      await s.click("#register-link");
      await at("/auth/register");
      await s.waitFor("#register-form");
      await s.fill("#username", name);
      await s.fill("#email", address);
      await s.fill("#password", password);
      await s.click('#register-form button[type="submit"]');
      await expectSignedIn(name, "after registering");

      // Confirm the address with the token from the mail.
      const verification = await mailTo(cfg, address);
      await s.goto(`${cfg.apiUrl}/auth/email/verify?token=${encodeURIComponent(tokenOf(verification.link))}`);
      await s.waitFor("#mail-link-form");
      await s.click('#mail-link-form button[type="submit"]');
      await s.waitFor("#done");
      await s.click('a[href="/auth/account"]');
      await at("/auth/account");
      await s.waitFor("#email-state");
      const state = await s.text("#email-state");
      check(state === "confirmed", `the account page says the email is "${state}"`);

      // Enrol an authenticator app: the QR code renders, its text alternative carries the key.
      await s.click("#totp-setup");
      await s.waitFor("#totp-qr svg");
      const qrWidth = await s.evaluate(() => document.querySelector("#totp-qr svg")?.getBoundingClientRect().width ?? 0);
      check(qrWidth >= 100, `the QR code is ${qrWidth}px wide`);
      const label = (await s.attribute("#totp-qr", "aria-label")) ?? "";
      const secret = /key ([A-Z2-7]+)/.exec(label)?.[1] ?? "";
      check(secret && secret === (await s.text("#totp-secret")), `the QR code's text alternative "${label}" does not carry the key`);
      await s.fill('input[name="totp-code"]', totp(secret, Date.now()));
      await s.click("#totp-confirm");
      try {
        await s.waitFor("#recovery-list li");
      } catch (error) {
        const said = await s.evaluate(() => document.querySelector("#mfa-error")?.textContent ?? "");
        const typed = await s.evaluate(() => /** @type {HTMLInputElement | null} */ (document.querySelector("#totp-code"))?.value ?? "");
        throw new ScenarioFailure(`no recovery codes after "Turn on" (the page says "${said}"; the field holds "${typed}"): ${error}`);
      }
      /** @type {string[]} */
      const recovery = await s.evaluate(() => [...document.querySelectorAll("#recovery-list li")].map((li) => li.textContent ?? ""));
      check(recovery.length >= 2, `recovery codes shown: ${recovery.join(",")}`);

      // Sign out, then in with the password and a code: the code step, then the signed-in page.
      await signOut();
      await s.fill("#username", name);
      await s.fill("#password", password);
      await s.click('form[action="/auth/login"] button[type="submit"]');
      await at("/auth/login", (u) => u.searchParams.get("mfa") === "1");
      await s.waitFor("#mfa-form");
      // The confirmation spent this 30-second step's code; the next step's is within the allowed skew.
      await s.fill("#code", totp(secret, Date.now() + 30_000));
      await s.click('#mfa-form button[type="submit"]');
      await expectSignedIn(name, "after the code step");

      // Forgot the password: asked from the sign-in page; the same answer for an unknown address.
      await signOut();
      await s.click("#forgot-link");
      await at("/auth/password/forgot");
      await s.fill("#email", `nobody-${stamp}@mail.test`);
      await s.click('#mail-request-form button[type="submit"]');
      await at("/auth/password/forgot", (u) => u.searchParams.get("sent") === "1");
      const unknownReply = await s.text("#sent");
      await s.fill("#email", address);
      await s.click('#mail-request-form button[type="submit"]');
      await at("/auth/password/forgot", (u) => u.searchParams.get("sent") === "1");
      await s.waitFor("#sent");
      check((await s.text("#sent")) === unknownReply, "the reset page answers differently for a known address");
      const reset = await mailTo(cfg, address, verification.link);
      check(/reset/i.test(reset.subject), `the newest mail is "${reset.subject}", not the reset mail`);
      await s.goto(`${cfg.apiUrl}/auth/password/reset?token=${encodeURIComponent(tokenOf(reset.link))}`);
      await s.waitFor("#new_password");
      await s.fill("#new_password", `${password}-new`);
      await s.click('#mail-link-form button[type="submit"]');
      // The second factor still applies: finish with a recovery code.
      await at("/auth/login", (u) => u.searchParams.get("mfa") === "1");
      await s.waitFor("#recovery-form");
      await s.fill("#recovery-code", recovery[0]);
      await s.click('#recovery-form button[type="submit"]');
      await expectSignedIn(name, "after the reset and a recovery code");

      // Through the identity provider: back on the signed-in page, named after the person.
      await signOut();
      const person = `p${stamp}${cfg.browser[0]}`;
      await s.click("#oidc-mock");
      await waitForUrl(s.url, (/** @type {URL} */ u) => u.hostname === "127.0.0.1" && u.pathname === "/oauth2/authorize", timeout, "the provider's page");
      await s.waitFor('input[name="sub"]');
      await s.fill('input[name="sub"]', person);
      await s.click('button[type="submit"]:not([name])');
      await expectSignedIn(person, "after the provider");
      return "registered, confirmed the email, enrolled TOTP from the QR's text alternative, signed in with a code, reset the password from the sign-in page (+ recovery code), signed in through the provider: every step on a page";
    },
  };
}
