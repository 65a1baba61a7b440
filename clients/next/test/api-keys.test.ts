import { describe, expect, it } from "vitest";
import { AuthApiError, createAuthClient } from "../src/api-client.js";

const API = "http://api.test";
const KEY = `fak_${"a".repeat(43)}_ABCDEF`;
const LISTED = {
  id: "3",
  name: "ci",
  prefix: KEY.slice(0, 12),
  scopes: ["read"],
  org: null,
  created_at: "2026-12-05T11:00:00Z",
  last_used_at: null,
  expires_at: null,
};

/** A fetch double that records each call and answers from a table of (method path) -> [status, body]. */
function fakeApi(replies: Record<string, [number, unknown]>) {
  const calls: Array<{ method: string; path: string; body: unknown; contentType: string | null }> = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const method = (init.method ?? "GET").toUpperCase();
    const headers = new Headers(init.headers);
    calls.push({ method, path: url.pathname, body: init.body ? JSON.parse(String(init.body)) : undefined, contentType: headers.get("content-type") });
    const [status, body] = replies[`${method} ${url.pathname}`] ?? [404, { success: false, message: "Not found." }];
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  };
  return { calls, client: createAuthClient({ apiUrl: API, fetch, locks: null, channel: null }) };
}

describe("apiKeys", () => {
  it("creates a key with name, scopes and expiry and hands back the secret once", async () => {
    const { calls, client } = fakeApi({ "POST /auth/api-keys": [201, { success: true, api_key: LISTED, key: KEY }] });
    const created = await client.apiKeys.create({ name: "ci", scopes: ["read"], expires_in: 3600 });
    expect(created.key).toBe(KEY);
    expect(created.api_key.prefix).toBe("fak_aaaaaaaa");
    expect(calls).toEqual([
      { method: "POST", path: "/auth/api-keys", body: { name: "ci", scopes: ["read"], expires_in: 3600 }, contentType: "application/json" },
    ]);
  });

  it("lists the keys", async () => {
    const { client } = fakeApi({ "GET /auth/api-keys": [200, { success: true, api_keys: [LISTED] }] });
    expect(await client.apiKeys.list()).toEqual([LISTED]);
  });

  it("revokes a key by its id, escaped into the path", async () => {
    const { calls, client } = fakeApi({ "DELETE /auth/api-keys/3": [200, { success: true, message: "API key revoked" }] });
    await client.apiKeys.revoke("3");
    await expect(client.apiKeys.revoke("../x")).rejects.toBeInstanceOf(AuthApiError);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(["DELETE /auth/api-keys/3", "DELETE /auth/api-keys/..%2Fx"]);
  });

  it("turns a refusal into an AuthApiError carrying the server's code", async () => {
    const refused = { success: false, message: "This needs a recent sign-in.", error: "reauth_required" };
    const { client } = fakeApi({ "POST /auth/api-keys": [403, refused] });
    const error = await client.apiKeys.create({ name: "ci", scopes: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error).toMatchObject({ status: 403, message: "This needs a recent sign-in.", body: refused });
  });
});
