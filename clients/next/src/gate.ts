/**
 * What the proxy decides for one request, without Next.js types, so it can be
 * tested with a plain fetch. proxy.ts turns a decision into a NextResponse.
 */

import { hasOrgRole, orgClaimOf, unverifiedPayload } from "./org-roles.js";
import { type AsymmetricAlgorithm, sharedTokenCheck, type TokenCheck } from "./token-check.js";
import { cookieValue, safeNextPath, serverApiUrl, trimSlash } from "./urls.js";

export interface GateOptions {
  /**
   * The API's origin as the Next.js server reaches it (server to server);
   * default API_INTERNAL_URL, else NEXT_PUBLIC_API_URL, read when the server runs.
   */
  apiUrl?: string;
  /** Path prefixes that need a session, or a predicate over the pathname. */
  protect: string[] | ((pathname: string) => boolean);
  /** The app's sign-in page; default "/login". */
  loginPath?: string;
  /**
   * A path under /auth on this app, so the browser sends the refresh_token
   * cookie (Path=/auth) here too; default "/auth/session". A protected page
   * whose check fails bounces through it once: the probe there can refresh.
   */
  sessionPath?: string;
  /** Where the bounce goes when its `next` is missing or unsafe; default "/". */
  defaultNext?: string;
  /**
   * Check EdDSA/ES256 access tokens here against the JWKS and call the probe
   * only when the token is missing, expired or unknown; default true. An
   * HS256 token is always probed (its key is secret to the API).
   */
  localCheck?: boolean;
  /** The token's expected `iss`; default "flask-auth". */
  issuer?: string;
  algorithms?: AsymmetricAlgorithm[];
  /**
   * The app and the API are on different sites: this server never receives
   * the API's cookies, so it cannot gate; pages check client side.
   */
  crossSite?: boolean;
  probeTimeoutMs?: number;
  jwksCooldownMs?: number;
  fetch?: typeof fetch;
  /**
   * Pages that also need a role in the active organisation: path prefix ->
   * role (`owner` > `admin` > `member`; other roles match by name), or a
   * function of the pathname returning the role or null. A signed-in user
   * without it is sent to `orgDeniedPath`.
   */
  orgRoles?: Record<string, string> | ((pathname: string) => string | null);
  /** Where a signed-in user without the organisation role goes; default "/". */
  orgDeniedPath?: string;
  /**
   * Let the local check decide `orgRoles` pages too; default false: they are
   * always probed, because a removed member or a lowered role is refused by
   * the API within a second, which a locally checked token cannot show.
   */
  orgLocalCheck?: boolean;
  /** Called with every decision (logging, metrics). */
  onDecision?: (decision: GateDecision) => void;
}

export interface GateRequest {
  pathname: string;
  search: string;
  /** The Cookie header the browser sent to this app. */
  cookie: string | null;
  /** The `next` query parameter (only read on the session path). */
  next: string | null;
}

export interface GateDecision {
  action: "pass" | "redirect";
  /** Path and query on this app, for "redirect". */
  location?: string;
  /** Set-Cookie values from the API to relay (a silent refresh, or expired cookies). */
  setCookies: string[];
  /** How it was decided: public page, local token check, or the API's probe. */
  via: "public" | "local" | "probe";
  /** Set when the redirect is for a missing organisation role (the role needed). */
  orgRole?: string;
}

export type Gate = (request: GateRequest) => Promise<GateDecision>;

interface ProbeResult {
  ok: boolean;
  setCookies: string[];
}

function isProtected(protect: GateOptions["protect"], pathname: string): boolean {
  if (typeof protect === "function") return protect(pathname);
  return protect.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix.replace(/\/+$/, "")}/`));
}

function orgRoleFor(rules: GateOptions["orgRoles"], pathname: string): string | null {
  if (!rules) return null;
  if (typeof rules === "function") return rules(pathname);
  let best: string | null = null;
  let length = -1;
  for (const [prefix, role] of Object.entries(rules)) {
    const base = prefix.replace(/\/+$/, "");
    if ((pathname === base || pathname.startsWith(`${base}/`)) && base.length > length) {
      best = role;
      length = base.length;
    }
  }
  return best;
}

/** The access token the browser holds after this request: a relayed new one, else the one it sent. */
function accessTokenAfter(setCookies: string[], cookie: string | null): string | null {
  for (const value of setCookies) {
    const match = /^access_token=([^;]*)/.exec(value);
    if (match) return match[1] || null;
  }
  return cookieValue(cookie, "access_token");
}

export function createGate(options: GateOptions): Gate {
  const apiUrl = trimSlash(options.apiUrl ?? serverApiUrl());
  const loginPath = options.loginPath ?? "/login";
  const sessionPath = options.sessionPath ?? "/auth/session";
  const fetchImpl = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const timeoutMs = options.probeTimeoutMs ?? 5000;
  const check: TokenCheck | null =
    options.localCheck === false
      ? null
      : sharedTokenCheck({
          apiUrl,
          issuer: options.issuer,
          algorithms: options.algorithms,
          jwksCooldownMs: options.jwksCooldownMs,
          fetch: options.fetch,
        });

  /**
   * Ask the API whether the forwarded cookies are a live session. It answers
   * 200 or 401 and, when it silently refreshed, new cookies in Set-Cookie.
   * A network error or a timeout counts as signed out, never as signed in.
   */
  async function probe(cookie: string | null): Promise<ProbeResult> {
    if (!cookie) return { ok: false, setCookies: [] };
    try {
      const response = await fetchImpl(`${apiUrl}/auth/is-authenticated`, {
        headers: { cookie, accept: "application/json" },
        cache: "no-store",
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { ok: response.status < 400, setCookies: response.headers.getSetCookie() };
    } catch {
      return { ok: false, setCookies: [] };
    }
  }

  const loginUrl = (next: string) => `${loginPath}?next=${encodeURIComponent(next)}`;

  async function decide(request: GateRequest): Promise<GateDecision> {
    if (request.pathname === sessionPath) {
      const next = safeNextPath(request.next, options.defaultNext ?? "/");
      const result = await probe(request.cookie);
      // Relay Set-Cookie either way: a failed probe may expire cookies.
      return { action: "redirect", location: result.ok ? next : loginUrl(next), setCookies: result.setCookies, via: "probe" };
    }
    const orgRole = orgRoleFor(options.orgRoles, request.pathname);
    if ((!isProtected(options.protect, request.pathname) && !orgRole) || options.crossSite) {
      return { action: "pass", setCookies: [], via: "public" };
    }
    const denied = (setCookies: string[], via: "local" | "probe"): GateDecision => ({
      action: "redirect",
      location: options.orgDeniedPath ?? "/",
      setCookies,
      via,
      orgRole: orgRole ?? undefined,
    });
    const token = cookieValue(request.cookie, "access_token");
    const local = check && (!orgRole || options.orgLocalCheck === true);
    const verdict = local && token ? await check(token) : null;
    if (verdict?.kind === "valid") {
      if (orgRole && !hasOrgRole(verdict.claims.org, orgRole)) return denied([], "local");
      return { action: "pass", setCookies: [], via: "local" };
    }
    const result = await probe(request.cookie);
    if (result.ok) {
      if (orgRole) {
        // The API just accepted this token (or issued it): its org claim is current.
        const current = accessTokenAfter(result.setCookies, request.cookie);
        const org = current ? orgClaimOf(unverifiedPayload(current)?.org) : null;
        if (!hasOrgRole(org, orgRole)) return denied(result.setCookies, "probe");
      }
      return { action: "pass", setCookies: result.setCookies, via: "probe" };
    }
    // The refresh token only travels to /auth paths: one chance through the session path.
    const target = `${request.pathname}${request.search}`;
    return {
      action: "redirect",
      location: `${sessionPath}?next=${encodeURIComponent(target)}`,
      setCookies: result.setCookies,
      via: "probe",
    };
  }

  return async (request) => {
    const decision = await decide(request);
    options.onDecision?.(decision);
    return decision;
  };
}
