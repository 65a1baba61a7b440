import { authProxy } from "@flask-auth/next/proxy";
import { authMode, internalApiUrl } from "@/lib/config";

// Pages that need a session; everything else is public. With an EdDSA or
// ES256 server the access token is checked here against the API's JWKS and
// the API is asked only when the token is missing, expired or unknown; with
// HS256 every protected page asks GET /auth/is-authenticated. Cross-site,
// this server never sees the API's cookies, so the pages check client side.
export const proxy = authProxy({
  apiUrl: internalApiUrl(),
  protect: ["/dashboard", "/account"],
  // The active organisation's page needs a membership (any built-in role);
  // it is probed on every load, so a removed member is turned away at once.
  orgRoles: { "/org": "member" },
  orgDeniedPath: "/dashboard",
  loginPath: "/login",
  defaultNext: "/dashboard",
  crossSite: authMode() === "cross-site",
});

export const config = {
  matcher: ["/dashboard/:path*", "/account/:path*", "/org/:path*", "/auth/session"],
};
