// One build, three gates, chosen when `next start` runs (BENCH_GATE):
// none (the proxy passes every request), probe (GET /auth/is-authenticated
// per page view) and local (the access token checked here against the JWKS).
import { NextResponse, type NextRequest } from "next/server";
import { authProxy } from "@flask-auth/next/proxy";

const mode = process.env["BENCH_GATE"] ?? "none";
const gate = authProxy({ protect: ["/page"], localCheck: mode === "local" });

export async function proxy(request: NextRequest): Promise<NextResponse> {
  return mode === "none" ? NextResponse.next() : gate(request);
}

export const config = { matcher: ["/page", "/auth/session"] };
