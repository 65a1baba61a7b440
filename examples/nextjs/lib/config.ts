// Runtime configuration, read on the server when a request is handled.
//
// `process.env[name]` (a computed key) is deliberately used instead of
// `process.env.NEXT_PUBLIC_API_URL`: Next.js inlines the literal form into the
// bundle at `next build`, while the computed form is read when the server runs.
// So one build can be started against any API (`next start` with different
// environment variables), and the browser receives the values through the
// root layout (see app/config-provider.tsx) instead of build-time inlining.

export type AuthMode = "same-site" | "cross-site";

export interface PublicConfig {
  /** The API origin as the browser reaches it, e.g. http://localhost:3001. */
  apiUrl: string;
  /**
   * same-site: the browser sends the API's cookies to this app too (same host
   *   in development, sibling subdomains with COOKIE_DOMAIN in production), so
   *   proxy.ts can gate pages on the server.
   * cross-site: the app and the API are on different sites; only the browser
   *   talking to the API directly can see the session, so pages check it
   *   client side.
   */
  authMode: AuthMode;
}

function readEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

export function publicApiUrl(): string {
  return stripTrailingSlash(readEnv("NEXT_PUBLIC_API_URL") ?? "http://localhost:3001");
}

/** Where the Next.js server itself reaches the API (server-to-server). */
export function internalApiUrl(): string {
  return stripTrailingSlash(readEnv("API_INTERNAL_URL") ?? publicApiUrl());
}

export function authMode(): AuthMode {
  return readEnv("NEXT_PUBLIC_AUTH_MODE") === "cross-site" ? "cross-site" : "same-site";
}

export function publicConfig(): PublicConfig {
  return { apiUrl: publicApiUrl(), authMode: authMode() };
}
