// @ts-check
// Second factors in real browsers: TOTP (Chromium and Firefox, every shape)
// and passkeys (Chromium's DevTools virtual authenticator, dev and https).
// Each scenario signs in as its own user (created by tests/test_browser_e2e.py),
// so one browser's enrolment never meets another's run.

import crypto from "node:crypto";

/** RFC 4648 base32 (no padding needed) to bytes. @param {string} text */
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of text.replace(/=+$/, "").toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/**
 * RFC 6238 TOTP: HMAC-SHA1 over the 30-second step counter, dynamic truncation, six digits.
 * @param {string} secret base32 @param {number} atMs
 */
export function totp(secret, atMs) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const mac = crypto.createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(number).padStart(6, "0");
}

/** @param {any} kit */
export default function mfaScenarios(kit) {
  const { helpers, check, waitForUrl } = kit;

  /** @param {any} cfg @param {any} s @param {string} username @param {string} password */
  async function passwordStep(cfg, s, username, password) {
    await s.goto(`${cfg.appUrl}/login`);
    await s.waitFor('[data-testid="login-form"]');
    await s.fill('input[name="username"]', username);
    await s.fill('input[name="password"]', password);
    await s.click('form[data-testid="login-form"] button[type="submit"]');
  }

  /** @param {any} cfg @param {any} s @param {string} username */
  async function expectSignedInAs(cfg, s, username) {
    const h = helpers(cfg, s);
    await h.waitForAppPath("/dashboard");
    await s.waitFor('[data-testid="current-username"]');
    const shown = await s.text('[data-testid="current-username"]');
    check(shown === username, `the dashboard shows "${shown}", expected "${username}"`);
  }

  /** @param {any} cfg @param {any} s */
  async function logOut(cfg, s) {
    const h = helpers(cfg, s);
    await s.goto(`${cfg.appUrl}/dashboard`);
    await s.waitFor('[data-testid="logout"]');
    await s.click('[data-testid="logout"]');
    await h.expectOnLoginPage();
    check((await h.meStatus()) === 401, "still signed in after logging out");
  }

  /** @param {any} cfg @param {any} s @param {string} method @param {string} code */
  async function secondStep(cfg, s, method, code) {
    await s.waitFor('[data-testid="mfa-form"]');
    const replies = helpers(cfg, s).loginReplies();
    const last = replies[replies.length - 1];
    check(last?.status === 200, `POST /auth/login answered ${last?.status}`);
    const session = (last?.setCookies ?? []).filter((/** @type {string} */ c) => /^(access|refresh)_token=[^;]/.test(c));
    check(session.length === 0, `the password step alone set ${session.join(" | ")}`);
    check((await helpers(cfg, s).meStatus()) === 401, "signed in before the second step");
    if (method === "recovery_code") await s.click('[data-testid="use-recovery-code"]');
    await s.fill('input[name="code"]', code);
    await s.click('form[data-testid="mfa-form"] button[type="submit"]');
  }

  return {
    async "mfa-totp-and-recovery-code"(/** @type {any} */ cfg, /** @type {any} */ s) {
      const username = `totp-${cfg.browser}`;
      await passwordStep(cfg, s, username, cfg.password);
      await expectSignedInAs(cfg, s, username);

      await s.goto(`${cfg.appUrl}/account`);
      await s.waitFor('[data-testid="totp-setup"]');
      await s.click('[data-testid="totp-setup"]');
      await s.waitFor('[data-testid="totp-qr"]');
      const secret = await s.text('[data-testid="totp-secret"]');
      await s.fill('input[name="totp-code"]', totp(secret, Date.now()));
      await s.click('[data-testid="totp-confirm"]');
      await s.waitFor('[data-testid="recovery-codes"]');
      await s.waitFor('[data-testid="totp-active"]');
      const codes = (await s.text('[data-testid="recovery-codes"] ul')).match(/[a-z0-9]{5}-[a-z0-9]{5}/g) ?? [];
      check(codes.length === 10, `expected ten recovery codes, saw ${codes.length}`);

      await logOut(cfg, s);
      await passwordStep(cfg, s, username, cfg.password);
      // The confirmation spent this 30-second step's code: the next step's is
      // within the one step of skew the server allows, and not yet used.
      await secondStep(cfg, s, "totp", totp(secret, Date.now() + 30_000));
      await expectSignedInAs(cfg, s, username);

      await logOut(cfg, s);
      await passwordStep(cfg, s, username, cfg.password);
      await secondStep(cfg, s, "recovery_code", codes[0]);
      await expectSignedInAs(cfg, s, username);
      return "enrolled TOTP on the account page; signed in with password + TOTP code, then password + recovery code";
    },

    async "mfa-passkey-sign-in"(/** @type {any} */ cfg, /** @type {any} */ s) {
      if (cfg.browser !== "chromium") {
        return "skipped: the virtual authenticator is Chromium's DevTools protocol (the issue asks for Chromium)";
      }
      if (cfg.crossSite) {
        return "skipped: the issue asks for the dev and https (same-site) shapes; cross-site, the app's origin is outside the API's RP id";
      }
      await s.addVirtualAuthenticator();
      const username = `passkey-${cfg.browser}`;
      await passwordStep(cfg, s, username, cfg.password);
      await expectSignedInAs(cfg, s, username);

      await s.goto(`${cfg.appUrl}/account`);
      await s.waitFor('input[name="passkey-name"]');
      await s.fill('input[name="passkey-name"]', "Virtual key");
      await s.click('[data-testid="passkey-add"]');
      await s.waitFor('[data-testid="passkey-item"]');
      const name = await s.text('[data-testid="passkey-name"]');
      check(name === "Virtual key", `the passkey list shows "${name}"`);

      await logOut(cfg, s);
      const before = s.responses.length;
      await s.goto(`${cfg.appUrl}/login`);
      await s.waitFor('[data-testid="passkey-login"]');
      await s.click('[data-testid="passkey-login"]');
      await expectSignedInAs(cfg, s, username);
      const seen = s.responses.slice(before).filter((/** @type {any} */ r) => r.method === "POST");
      const paths = seen.map((/** @type {any} */ r) => new URL(r.url).pathname);
      check(!paths.includes("/auth/login"), `a password was sent: ${paths.join(", ")}`);
      const login = seen.find((/** @type {any} */ r) => new URL(r.url).pathname === "/auth/passkeys/login");
      check(login?.status === 200, `POST /auth/passkeys/login answered ${login?.status}`);
      await waitForUrl(s.url, (/** @type {URL} */ u) => u.pathname === "/dashboard", 1000, "the dashboard");
      return "registered a passkey on the account page, signed out, signed in with it and no password";
    },
  };
}
