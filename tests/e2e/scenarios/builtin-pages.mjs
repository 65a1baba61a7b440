// The API's built-in pages in a real browser: after signing in, the
// signed-in page links to the account page, whose sign-out button (a plain
// form post the browser sends with the page's own Origin) passes the CSRF
// checks, ends the session and returns to the sign-in page.

/** @param {{helpers: Function, check: Function, waitForUrl: Function}} kit */
export default function builtinPages({ check, waitForUrl }) {
  return {
    async "builtin-page-account-and-sign-out"(cfg, s) {
      const timeout = cfg.timeoutMs ?? 15000;
      const api = new URL(cfg.apiUrl);
      const onApi = (/** @type {string} */ pathname) => (/** @type {URL} */ u) =>
        u.origin === api.origin && u.pathname === pathname;
      await s.goto(`${cfg.apiUrl}/auth/login`);
      await s.waitFor('input[name="username"]');
      await s.fill('input[name="username"]', cfg.username);
      await s.fill('input[name="password"]', cfg.password);
      await s.click('form [type="submit"]');
      await s.waitFor("#account-link");
      await s.click("#account-link");
      await waitForUrl(s.url, onApi("/auth/account"), timeout, `${cfg.apiUrl}/auth/account`);
      await s.waitFor("#username");
      const shown = await s.text("#username");
      check(shown === cfg.username, `the account page shows "${shown}", expected "${cfg.username}"`);
      await s.click("#sign-out");
      await waitForUrl(s.url, onApi("/auth/login"), timeout, `${cfg.apiUrl}/auth/login after signing out`);
      await s.waitFor('input[name="username"]');
      await s.goto(`${cfg.apiUrl}/auth/account`);
      await waitForUrl(s.url, onApi("/auth/login"), timeout, "the account page sending a signed-out browser to sign in");
      check(new URL(s.url()).searchParams.get("next") === "/auth/account", `signed out, the account page went to ${s.url()}`);
      return "signed in on the API's page, opened the account page, signed out with its button";
    },
  };
}
