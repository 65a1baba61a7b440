/**
 * `getSession()` for server components, route handlers and server actions.
 *
 * It reads the request's cookies and never writes them: Next.js forbids
 * cookie writes while a server component renders, so a refresh here would
 * fail or be lost. Refreshing belongs to the proxy (authProxy relays the
 * API's new cookies) and to the browser (authFetch). A page whose access
 * token has expired gets null here; the proxy will have refreshed it before
 * the page rendered when the page is behind it.
 */

import { cookies } from "next/headers";
import { orgClaimOf, unverifiedPayload } from "./org-roles.js";
import { type AsymmetricAlgorithm, sharedTokenCheck } from "./token-check.js";
import type { MeReply, Session } from "./types.js";
import { serverApiUrl, trimSlash } from "./urls.js";

export interface GetSessionOptions {
  /** Default: API_INTERNAL_URL, else NEXT_PUBLIC_API_URL, read when the server runs. */
  apiUrl?: string;
  /** Check EdDSA/ES256 tokens locally before asking the API; default true. */
  localCheck?: boolean;
  issuer?: string;
  algorithms?: AsymmetricAlgorithm[];
  fetch?: typeof fetch;
}

/** The session behind a Cookie header, or null. Usable outside Next.js. */
export async function sessionFromCookies(
  accessToken: string | undefined,
  options: GetSessionOptions = {},
): Promise<Session | null> {
  if (!accessToken) return null;
  const apiUrl = trimSlash(options.apiUrl ?? serverApiUrl());
  if (options.localCheck !== false) {
    const verdict = await sharedTokenCheck({ apiUrl, issuer: options.issuer, algorithms: options.algorithms, fetch: options.fetch })(
      accessToken,
    );
    if (verdict.kind === "valid") {
      const { sub, sid, exp, roles, act, org } = verdict.claims;
      const session: Session = { user: { id: sub, roles }, org: org ?? null, sessionId: sid, expiresAt: exp, checkedBy: "token" };
      if (act && typeof act.sub === "string") session.impersonatedBy = { id: act.sub };
      return session;
    }
    if (verdict.kind === "expired") return null;
  }
  const fetchImpl = options.fetch ?? fetch;
  try {
    const response = await fetchImpl(`${apiUrl}/auth/me`, {
      // Only the access token: without the refresh token the API cannot
      // rotate it and send cookies this code could not pass on.
      headers: { cookie: `access_token=${accessToken}`, accept: "application/json" },
      cache: "no-store",
      signal: AbortSignal.timeout(5000),
    });
    if (response.status !== 200) return null;
    const body = (await response.json()) as MeReply;
    const user = body.user;
    // The API just accepted this token (signature, membership view): its org claim is current.
    const org = orgClaimOf(unverifiedPayload(accessToken)?.org);
    const session: Session = { user: { id: String(user.id), roles: user.roles, username: user.username }, org, checkedBy: "api" };
    if (body.impersonated_by) session.impersonatedBy = { id: String(body.impersonated_by.id), username: body.impersonated_by.username };
    return session;
  } catch {
    return null;
  }
}

export async function getSession(options: GetSessionOptions = {}): Promise<Session | null> {
  const jar = await cookies();
  return sessionFromCookies(jar.get("access_token")?.value, options);
}
