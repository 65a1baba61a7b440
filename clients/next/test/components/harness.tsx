/**
 * A fake API server behind the real client: each test lists the replies of
 * the endpoints it touches (method and path), and reads back the calls made.
 * Components render inside a real <AuthProvider> around that client.
 */

import { cleanup, render, type RenderResult } from "@testing-library/react";
import type { ReactElement } from "react";
import { afterEach, vi } from "vitest";
import { createAuthClient } from "../../src/api-client.js";
import { browser } from "../../src/components/navigation.js";
import { AuthProvider } from "../../src/react.js";

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Route = Reply | ((body: unknown, call: number) => Reply);

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

export const CONFIG_ALL = {
  success: true,
  registration: true,
  magic_links: true,
  mail: true,
  passkeys: true,
  providers: [{ name: "mock", label: "Mock ID" }],
};

export const ME = { success: true, user: { id: "7", username: "alice", roles: ["staff"], email: "alice@example.com", email_verified: true } };

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  window.history.replaceState(null, "", "/");
});

/** Render `ui` against a server answering `routes` ("GET /auth/me": reply); anything else is a 404 with an `error` code. */
export function withServer(routes: Record<string, Route>, ui: ReactElement): RenderResult & { calls: Call[]; callsTo: (key: string) => Call[] } {
  const calls: Call[] = [];
  const counts = new Map<string, number>();
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const method = (init?.method ?? "GET").toUpperCase();
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    const key = `${method} ${url.pathname}`;
    calls.push({ method, path: url.pathname, body });
    const count = counts.get(key) ?? 0;
    counts.set(key, count + 1);
    const route = routes[key];
    const reply: Reply = route === undefined ? { status: 404, body: { success: false, message: "Not found.", error: "not_found" } } : typeof route === "function" ? route(body, count) : route;
    return new Response(JSON.stringify(reply.body ?? { success: true }), {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json", ...reply.headers },
    });
  };
  const client = createAuthClient({ apiUrl: "http://api.test", fetch: fetchImpl as typeof fetch, locks: null, channel: null });
  const result = render(<AuthProvider apiUrl="http://api.test" client={client}>{ui}</AuthProvider>);
  return Object.assign(result, { calls, callsTo: (key: string) => calls.filter((c) => `${c.method} ${c.path}` === key) });
}

/** Watch the components' navigations (jsdom cannot leave the page). */
export function watchNavigation() {
  return {
    replace: vi.spyOn(browser, "replace").mockImplementation(() => undefined),
    assign: vi.spyOn(browser, "assign").mockImplementation(() => undefined),
    reload: vi.spyOn(browser, "reload").mockImplementation(() => undefined),
  };
}
