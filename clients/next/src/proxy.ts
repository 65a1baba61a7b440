/**
 * `authProxy()` for Next.js's proxy.ts (middleware.ts before Next 16):
 *
 *     import { authProxy } from "@flask-auth/next/proxy";
 *     export const proxy = authProxy({ protect: ["/dashboard"] });
 *     export const config = { matcher: ["/dashboard/:path*", "/auth/session"] };
 *
 * The matcher must list the protected paths and the session path. The API is
 * reached at API_INTERNAL_URL (else NEXT_PUBLIC_API_URL), or pass `apiUrl`.
 */

import { NextResponse, type NextRequest } from "next/server";
import { createGate, type GateDecision, type GateOptions } from "./gate.js";

export type { GateDecision, GateOptions } from "./gate.js";
export type AuthProxyOptions = GateOptions;

export function authProxy(options: AuthProxyOptions): (request: NextRequest) => Promise<NextResponse> {
  const gate = createGate(options);
  return async (request) => {
    const { pathname, search, searchParams } = request.nextUrl;
    const decision: GateDecision = await gate({
      pathname,
      search,
      cookie: request.headers.get("cookie"),
      next: searchParams.get("next"),
    });
    if (decision.via === "public") {
      return NextResponse.next();
    }
    const response =
      decision.action === "redirect" && decision.location
        ? NextResponse.redirect(new URL(decision.location, request.nextUrl.origin))
        : NextResponse.next();
    for (const value of decision.setCookies) {
      response.headers.append("set-cookie", value);
    }
    response.headers.set("cache-control", "no-store");
    return response;
  };
}
