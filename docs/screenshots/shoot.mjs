// Screenshots of the built-in pages, driven by docs/screenshots/make.py (which
// starts the API and passes its URL, the mailed links and where Chromium is).
// playwright-core comes from tests/e2e/node_modules.

import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "..", "tests", "e2e", "package.json"));
const { chromium } = require("playwright-core");

const cfg = JSON.parse(process.argv[2]);
const browser = await chromium.launch({
  executablePath: cfg.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ viewport: { width: 900, height: 760 }, colorScheme: "light", locale: "en-US" });
const page = await context.newPage();
const api = cfg.api;

/** @param {string} name */
async function shot(name) {
  await page.waitForLoadState("load");
  await page.screenshot({ path: path.join(cfg.out, `${name}.png`), fullPage: true });
  process.stdout.write(`${name}.png\n`);
}

async function signOut() {
  await page.goto(`${api}/auth/login`);
  if (await page.$("#sign-out")) {
    await page.click("#sign-out");
    await page.waitForURL(`${api}/auth/login`);
  }
}

// Signed out: sign-in, a wrong password, registration, the mail requests.
await page.goto(`${api}/`);
await page.waitForSelector("#register-link");
await shot("01-sign-in");
await page.fill("#username", "alice");
await page.fill("#password", "not the password");
await page.click('form[action="/auth/login"] button[type="submit"]');
await page.waitForSelector("#error");
await shot("02-sign-in-wrong-password");
await page.goto(`${api}/auth/register`);
await shot("03-register");
await page.goto(`${api}/auth/password/forgot`);
await shot("04-forgot-password");
await page.fill("#email", "someone@example.com");
await page.click('#mail-request-form button[type="submit"]');
await page.waitForSelector("#sent");
await shot("05-forgot-password-sent");
await page.goto(`${api}/auth/magic-link`);
await shot("06-magic-link-request");
await page.goto(cfg.magicLink);
await shot("07-magic-link-open");
await page.goto(cfg.resetLink);
await shot("08-reset-password");
await page.goto(`${api}/auth/password/reset?token=expired-or-used`);
await shot("09-link-expired");
await page.goto(`${api}/auth/passkeys/login`);
await shot("10-passkey-sign-in");

// bob has an authenticator app: the code step, then a wrong code.
await page.goto(`${api}/auth/login`);
await page.fill("#username", "bob");
await page.fill("#password", cfg.password);
await page.click('form[action="/auth/login"] button[type="submit"]');
await page.waitForSelector("#mfa-form");
await shot("11-code-step");
await page.fill("#code", "000000");
await page.click('#mfa-form button[type="submit"]');
await page.waitForSelector("#error");
await shot("12-code-step-wrong-code");
await context.clearCookies();

// alice signs in: the signed-in page, the account page, setting up an authenticator app.
await page.goto(`${api}/auth/login`);
await page.fill("#username", "alice");
await page.fill("#password", cfg.password);
await page.click('form[action="/auth/login"] button[type="submit"]');
await page.waitForSelector("#signed-in");
await shot("13-signed-in");
await page.goto(`${api}/auth/account`);
await page.waitForSelector("#totp-setup");
await shot("14-account");
await page.click("#totp-setup");
await page.waitForSelector("#totp-qr svg");
await page.locator("#mfa-account").scrollIntoViewIfNeeded();
await shot("15-account-authenticator-setup");
await signOut();

// A person who signs in through the provider: named after them, offered "set a password".
await page.click("#oidc-mock");
await page.waitForSelector('input[name="sub"]');
await page.fill('input[name="sub"]', "carol");
await page.click('button[type="submit"]:not([name])');
await page.waitForURL(`${api}/auth/login`);
await page.waitForSelector("#signed-in");
await page.goto(`${api}/auth/account`);
await page.waitForSelector("#identity-list");
await shot("16-account-provider-user");

await browser.close();
