import { NextResponse, type NextRequest } from "next/server";
import { authMode, internalApiUrl } from "@/lib/config";
import { safeNextPath } from "@/lib/next-path";

// Pages that need a session. Everything else is public.
const PROTECTED_PREFIXES = ["/dashboard"];

// A frontend path under /auth, so the browser sends the refresh_token cookie
// (Path=/auth) here too. A protected page whose probe fails bounces through it
// once: if the refresh token is still good, the probe refreshes silently and
// the new cookies are relayed on the redirect back.
const SESSION_PATH = "/auth/session";

const PROBE_TIMEOUT_MS = 5000;

interface Probe {
  ok: boolean;
  setCookies: string[];
}

/**
 * Ask the API whether the browser's cookies are a live session. The browser
 * sent its cookies to this (Next.js) server, so they are forwarded by hand;
 * the API answers 200 or 401 and, when it silently refreshed an expired
 * access token, new cookies in Set-Cookie.
 */
async function probe(request: NextRequest): Promise<Probe> {
  const cookie = request.headers.get("cookie");
  if (!cookie) {
    return { ok: false, setCookies: [] };
  }
  try {
    const response = await fetch(`${internalApiUrl()}/auth/is-authenticated`, {
      headers: { cookie, accept: "application/json" },
      cache: "no-store",
      redirect: "manual",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    return { ok: response.status < 400, setCookies: response.headers.getSetCookie() };
  } catch {
    // Network error or timeout: treat as logged out, never as logged in.
    return { ok: false, setCookies: [] };
  }
}

function relay(response: NextResponse, setCookies: string[]): NextResponse {
  for (const value of setCookies) {
    response.headers.append("set-cookie", value);
  }
  response.headers.set("cache-control", "no-store");
  return response;
}

function redirectTo(request: NextRequest, pathWithQuery: string): NextResponse {
  return NextResponse.redirect(new URL(pathWithQuery, request.nextUrl.origin));
}

function loginUrl(next: string): string {
  return `/login?next=${encodeURIComponent(next)}`;
}

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const { pathname, search } = request.nextUrl;

  if (pathname === SESSION_PATH) {
    const next = safeNextPath(request.nextUrl.searchParams.get("next"));
    const result = await probe(request);
    // Relay Set-Cookie in both cases: a failed probe may expire cookies.
    return relay(redirectTo(request, result.ok ? next : loginUrl(next)), result.setCookies);
  }

  const isProtected = PROTECTED_PREFIXES.some(
    (prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`),
  );
  if (!isProtected || authMode() === "cross-site") {
    // Cross-site: this server never receives the API's cookies (they belong
    // to the API's site), so it cannot tell; the page checks client side.
    return NextResponse.next();
  }

  const result = await probe(request);
  if (result.ok) {
    return relay(NextResponse.next(), result.setCookies);
  }
  // No access token here (expired, or never logged in). The refresh token is
  // only sent to /auth paths, so give it one chance through SESSION_PATH.
  const target = `${pathname}${search}`;
  return relay(
    redirectTo(request, `${SESSION_PATH}?next=${encodeURIComponent(target)}`),
    result.setCookies,
  );
}

export const config = {
  matcher: ["/dashboard/:path*", "/auth/session"],
};
