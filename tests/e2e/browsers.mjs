// @ts-check
// One small interface over two drivers, so every scenario runs unchanged in
// Debian's chromium (playwright-core, CDP) and firefox-esr (puppeteer-core,
// WebDriver BiDi). Each session is a freshly launched browser with a fresh
// profile: no cookie, cache or HSTS state leaks from one scenario to the next.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * @typedef {object} BrowserOptions
 * @property {string} workDir        a private temp folder for profiles
 * @property {string[]} resolveHosts host names to resolve to 127.0.0.1
 * @property {string | undefined} caCertPath PEM of the throwaway CA to trust
 * @property {number} timeoutMs      default timeout for waits
 */

/**
 * @typedef {object} CookieInfo
 * @property {string} name
 * @property {string} domain
 * @property {string} path
 * @property {boolean} secure
 * @property {boolean} httpOnly
 * @property {string} sameSite
 * @property {string} partitionKey   "" when unpartitioned or unknown
 */

/**
 * @typedef {object} SeenResponse
 * @property {string} method
 * @property {string} url
 * @property {number} status
 * @property {string[]} setCookies
 */

/**
 * @typedef {object} Session
 * @property {(url: string) => Promise<void>} goto
 * @property {(url: string) => Promise<number>} gotoStatus  navigate; the HTTP status of the document
 * @property {() => Promise<string>} bodyText
 * @property {() => Promise<void>} reload
 * @property {() => string} url
 * @property {(selector: string, value: string) => Promise<void>} fill
 * @property {(selector: string) => Promise<void>} click
 * @property {(selector: string, value: string) => Promise<void>} select  choose an option of a <select>, as a person would
 * @property {(selector: string, timeoutMs?: number) => Promise<void>} waitFor
 * @property {(selector: string) => Promise<string>} text
 * @property {(selector: string, name: string) => Promise<string | null>} attribute
 * @property {(url: string) => Promise<{status: number, body: string}>} fetchWithCredentials
 * @property {(fn: (arg: any) => unknown, arg?: unknown) => Promise<any>} evaluate  run a function in the page
 * @property {(source: string) => Promise<void>} runSource  run a script's source text as the driver's own expression, which the page's CSP (no eval) does not govern
 * @property {(key: string) => Promise<void>} press  press one key ("Tab", "Enter") on the focused element, as a keyboard would
 * @property {(text: string) => Promise<void>} type  type text into the focused element, key by key
 * @property {() => Promise<CookieInfo[]>} cookies
 * @property {SeenResponse[]} responses  every response the page saw, in order
 * @property {() => Promise<void>} close
 * @property {() => Promise<Session>} newTab  another tab of the same browser (same cookies, storage, locks)
 * @property {() => Promise<void>} addVirtualAuthenticator  Chromium only: a DevTools virtual passkey authenticator
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr";

let counter = 0;

/** @param {string} workDir @param {string} prefix */
function freshDir(workDir, prefix) {
  counter += 1;
  const dir = path.join(workDir, `${prefix}-${process.pid}-${counter}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Put the CA into an NSS database (cert9.db), the store both Chromium (under
 * $HOME/.pki/nssdb) and Firefox (in the profile folder) read on Linux.
 * @param {string} dbDir @param {string} caCertPath
 */
function trustCaInNssDb(dbDir, caCertPath) {
  fs.mkdirSync(dbDir, { recursive: true });
  execFileSync("certutil", ["-N", "-d", `sql:${dbDir}`, "--empty-password"], { stdio: "pipe" });
  execFileSync(
    "certutil",
    ["-A", "-d", `sql:${dbDir}`, "-n", "e2e-throwaway-ca", "-t", "C,,", "-i", caCertPath],
    { stdio: "pipe" },
  );
}

/**
 * @param {string} text
 * @returns {string}
 */
function normSameSite(text) {
  const lower = String(text ?? "").toLowerCase();
  if (lower === "none") return "None";
  if (lower === "strict") return "Strict";
  if (lower === "lax") return "Lax";
  return lower ? text : "";
}

/** @param {string} value */
function splitSetCookie(value) {
  return value
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

/**
 * @param {() => string} currentUrl
 * @param {(url: URL) => boolean} predicate
 * @param {number} timeoutMs
 * @param {string} what
 */
export async function waitForUrl(currentUrl, predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let url;
    try {
      url = new URL(currentUrl());
    } catch {
      url = null;
    }
    if (url && predicate(url)) return url;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the page is at ${currentUrl()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * What a playwright Page and a puppeteer Page do alike: navigate, read the
 * page, and fetch from it with the browser's cookies.
 * @param {{goto: Function, reload: Function, evaluate: Function, url: () => string, keyboard: {press: Function, type: Function}}} page
 */
function navigation(page) {
  return {
    /** @param {string} url */
    async goto(url) {
      await page.goto(url, { waitUntil: "load" });
    },
    /** @param {string} url */
    async gotoStatus(url) {
      const response = await page.goto(url, { waitUntil: "load" });
      return response ? response.status() : 0;
    },
    async bodyText() {
      return (await page.evaluate(() => document.body?.innerText ?? "")).trim();
    },
    async reload() {
      await page.reload({ waitUntil: "load" });
    },
    url: () => page.url(),
    /** @param {(arg: any) => unknown} fn @param {unknown} [arg] */
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    /** @param {string} key */
    press: async (key) => {
      await page.keyboard.press(key);
    },
    /** @param {string} text */
    type: async (text) => {
      await page.keyboard.type(text);
    },
    /** @param {string} url */
    async fetchWithCredentials(url) {
      return page.evaluate(async (/** @type {string} */ target) => {
        const r = await fetch(target, { credentials: "include", cache: "no-store" });
        return { status: r.status, body: await r.text() };
      }, url);
    },
  };
}

/**
 * Debian's chromium through playwright-core's CDP client. Trust comes from an
 * NSS database under a private $HOME; host names from --host-resolver-rules.
 * @param {BrowserOptions} options
 * @returns {Promise<Session>}
 */
export async function openChromium(options) {
  const { chromium } = await import("playwright-core");
  const home = freshDir(options.workDir, "chromium-home");
  const userDataDir = freshDir(options.workDir, "chromium-profile");
  if (options.caCertPath) {
    trustCaInNssDb(path.join(home, ".pki", "nssdb"), options.caCertPath);
  }
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ];
  if (options.resolveHosts.length) {
    const rules = options.resolveHosts.map((host) => `MAP ${host} 127.0.0.1`).join(", ");
    args.push(`--host-resolver-rules=${rules}`);
  }
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args,
    env: { ...process.env, HOME: home },
    timeout: options.timeoutMs * 2,
  });
  context.setDefaultTimeout(options.timeoutMs);
  const first = context.pages()[0] ?? (await context.newPage());
  /** @param {import("playwright-core").Page} page @returns {Session} */
  const tab = (page) => ({
    ...chromiumPage(page, options),
    async addVirtualAuthenticator() {
      // The DevTools protocol's virtual authenticator: a built-in (platform)
      // authenticator that keeps resident keys and verifies the user.
      const cdp = await context.newCDPSession(page);
      await cdp.send("WebAuthn.enable");
      await cdp.send("WebAuthn.addVirtualAuthenticator", {
        options: {
          protocol: "ctap2",
          transport: "internal",
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });
    },
    async runSource(source) {
      // CDP's Runtime.evaluate: Playwright's page.evaluate(string) goes through the page's eval.
      const cdp = await context.newCDPSession(page);
      try {
        const { exceptionDetails } = await cdp.send("Runtime.evaluate", { expression: source });
        if (exceptionDetails) throw new Error(`the script threw: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
      } finally {
        await cdp.detach().catch(() => {});
      }
    },
    async cookies() {
      const all = await context.cookies();
      return all.map((c) => ({
        name: c.name,
        domain: c.domain,
        path: c.path,
        secure: c.secure,
        httpOnly: c.httpOnly,
        sameSite: normSameSite(c.sameSite),
        partitionKey: c.partitionKey ?? "",
      }));
    },
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
      fs.rmSync(home, { recursive: true, force: true });
    },
    newTab: async () => tab(await context.newPage()),
  });
  return tab(first);
}

/**
 * The page-level part of a chromium session.
 * @param {import("playwright-core").Page} page
 * @param {BrowserOptions} options
 * @returns {Omit<Session, "cookies" | "close" | "newTab" | "addVirtualAuthenticator" | "runSource">}
 */
function chromiumPage(page, options) {
  /** @type {SeenResponse[]} */
  const responses = [];
  page.on("response", (response) => {
    const entry = { method: response.request().method(), url: response.url(), status: response.status(), setCookies: /** @type {string[]} */ ([]) };
    responses.push(entry);
    response
      .headersArray()
      .then((headers) => {
        entry.setCookies = headers.filter((h) => h.name.toLowerCase() === "set-cookie").flatMap((h) => splitSetCookie(h.value));
      })
      .catch(() => {});
  });

  return {
    responses,
    ...navigation(page),
    async fill(selector, value) {
      await page.fill(selector, value);
    },
    async click(selector) {
      await page.click(selector);
    },
    async select(selector, value) {
      await page.selectOption(selector, value);
    },
    async waitFor(selector, timeoutMs) {
      await page.waitForSelector(selector, { state: "visible", timeout: timeoutMs ?? options.timeoutMs });
    },
    async text(selector) {
      return ((await page.textContent(selector)) ?? "").trim();
    },
    async attribute(selector, name) {
      return page.getAttribute(selector, name);
    },
  };
}

/**
 * Debian's firefox-esr through puppeteer-core over WebDriver BiDi. Trust comes
 * from the profile's own cert9.db; host names from network.dns.localDomains.
 * Firefox's default cookie policy (Total Cookie Protection) is kept: the
 * preferences puppeteer writes by default turn it off, which would hide
 * exactly the cross-site behaviour under test.
 * @param {BrowserOptions} options
 * @returns {Promise<Session>}
 */
export async function openFirefox(options) {
  const { default: puppeteer } = await import("puppeteer-core");
  const profile = freshDir(options.workDir, "firefox-profile");
  if (options.caCertPath) {
    trustCaInNssDb(profile, options.caCertPath);
  }
  /** @type {Record<string, unknown>} */
  const prefs = {
    // Firefox's own default: dFPI / Total Cookie Protection.
    "browser.contentblocking.features.standard": "-tp,tpPrivate,cookieBehavior5,cookieBehaviorPBM5,-cryptoTP,-fp",
    "network.cookie.cookieBehavior": 5,
    // No traffic leaves the machine.
    "network.proxy.type": 0,
    "network.captive-portal-service.enabled": false,
    "network.connectivity-service.enabled": false,
    "network.trr.mode": 5,
    "security.OCSP.enabled": 0,
    "dom.security.https_only_mode": false,
  };
  if (options.resolveHosts.length) {
    prefs["network.dns.localDomains"] = options.resolveHosts.join(",");
  }
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX_PATH,
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: prefs,
    timeout: options.timeoutMs * 2,
  });
  const pages = await browser.pages();
  const first = pages[0] ?? (await browser.newPage());
  /** @param {import("puppeteer-core").Page} page @returns {Session} */
  const tab = (page) => ({
    ...firefoxPage(page, options),
    async addVirtualAuthenticator() {
      throw new Error("the virtual authenticator is a Chromium DevTools protocol feature");
    },
    async runSource(source) {
      // A string is sent as WebDriver BiDi's script.evaluate expression, outside the page's CSP.
      await page.evaluate(source);
    },
    async cookies() {
      const all = await browser.cookies();
      return all.map((c) => ({
        name: c.name,
        domain: c.domain,
        path: c.path,
        secure: c.secure,
        httpOnly: Boolean(c.httpOnly),
        sameSite: normSameSite(c.sameSite ?? ""),
        partitionKey: typeof c.partitionKey === "string" ? c.partitionKey : (c.partitionKey?.sourceOrigin ?? ""),
      }));
    },
    async close() {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
    newTab: async () => tab(await browser.newPage()),
  });
  return tab(first);
}

/**
 * The page-level part of a firefox session.
 * @param {import("puppeteer-core").Page} page
 * @param {BrowserOptions} options
 * @returns {Omit<Session, "cookies" | "close" | "newTab" | "addVirtualAuthenticator" | "runSource">}
 */
function firefoxPage(page, options) {
  page.setDefaultTimeout(options.timeoutMs);
  page.setDefaultNavigationTimeout(options.timeoutMs);
  /** @type {SeenResponse[]} */
  const responses = [];
  page.on("response", (response) => {
    const headers = response.headers();
    responses.push({
      method: response.request().method(),
      url: response.url(),
      status: response.status(),
      setCookies: splitSetCookie(headers["set-cookie"] ?? ""),
    });
  });

  return {
    responses,
    ...navigation(page),
    async fill(selector, value) {
      await page.locator(selector).fill(value);
    },
    async click(selector) {
      await page.locator(selector).click();
    },
    async select(selector, value) {
      await page.select(selector, value);
    },
    async waitFor(selector, timeoutMs) {
      await page.waitForSelector(selector, { visible: true, timeout: timeoutMs ?? options.timeoutMs });
    },
    async text(selector) {
      return page.$eval(selector, (el) => (el.textContent ?? "").trim());
    },
    async attribute(selector, name) {
      return page.$eval(selector, (el, attr) => el.getAttribute(attr), name);
    },
  };
}

/**
 * @param {"chromium" | "firefox"} name
 * @param {BrowserOptions} options
 */
export function openBrowser(name, options) {
  return name === "chromium" ? openChromium(options) : openFirefox(options);
}
