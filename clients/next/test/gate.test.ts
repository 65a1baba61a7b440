import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createGate, type GateOptions } from "../src/gate.js";

type Key = { kid: string; privateKey: CryptoKey; jwk: JWK };

async function makeKey(kid: string, alg: "EdDSA" | "ES256" = "EdDSA"): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

async function token(key: Key, claims: { iss?: string; exp?: number; alg?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: "s1", roles: ["user"] })
    .setProtectedHeader({ alg: claims.alg ?? "EdDSA", kid: key.kid })
    .setSubject("7")
    .setJti(`j${Math.random()}`)
    .setIssuedAt(now - 10)
    .setIssuer(claims.iss ?? "flask-auth")
    .setExpirationTime(claims.exp ?? now + 300)
    .sign(key.privateKey);
}

/** A fake API: serves the JWKS it is told, and a probe that answers as told; counts both. */
function fakeApi(published: Key[], probe: { status: number; setCookie?: string } = { status: 200 }) {
  const seen = { jwks: 0, probe: 0 };
  const state = { published, probe };
  const fetch = async (input: RequestInfo | URL): Promise<Response> => {
    const url = new URL(String(input));
    if (url.pathname === "/.well-known/jwks.json") {
      seen.jwks += 1;
      return Response.json({ keys: state.published.map((k) => k.jwk) });
    }
    if (url.pathname === "/auth/is-authenticated") {
      seen.probe += 1;
      const headers = new Headers();
      if (state.probe.setCookie) headers.append("set-cookie", state.probe.setCookie);
      return new Response("{}", { status: state.probe.status, headers });
    }
    return new Response("{}", { status: 404 });
  };
  return { seen, state, fetch: fetch as typeof globalThis.fetch };
}

let counter = 0;
function gate(api: ReturnType<typeof fakeApi>, extra: Partial<GateOptions> = {}) {
  // A fresh API origin per gate: the JWKS cache is shared per origin within a process.
  counter += 1;
  return createGate({ apiUrl: `http://api${counter}.test`, protect: ["/dashboard"], jwksCooldownMs: 0, fetch: api.fetch, ...extra });
}

const page = (cookie: string | null, pathname = "/dashboard") => ({ pathname, search: "", cookie, next: null });

let k1: Key;
let k2: Key;
beforeAll(async () => {
  [k1, k2] = await Promise.all([makeKey("k1"), makeKey("k2")]);
});

describe("the local check", () => {
  it("passes a fresh EdDSA token with no call to the probe", async () => {
    const api = fakeApi([k1]);
    const decide = gate(api);
    for (let i = 0; i < 3; i++) {
      expect(await decide(page(`access_token=${await token(k1)}`))).toMatchObject({ action: "pass", via: "local" });
    }
    expect(api.seen).toEqual({ jwks: 1, probe: 0 }); // the JWKS is fetched once and cached
  });

  it("passes an ES256 token too", async () => {
    const es = await makeKey("e1", "ES256");
    const api = fakeApi([es]);
    expect(await gate(api)(page(`access_token=${await token(es, { alg: "ES256" })}`))).toMatchObject({ via: "local" });
  });

  it("fetches the JWKS again for an unknown kid (a rotated key)", async () => {
    const api = fakeApi([k1]);
    const decide = gate(api);
    expect(await decide(page(`access_token=${await token(k1)}`))).toMatchObject({ via: "local" });
    api.state.published = [k1, k2];
    expect(await decide(page(`access_token=${await token(k2)}`))).toMatchObject({ action: "pass", via: "local" });
    expect(api.seen).toEqual({ jwks: 2, probe: 0 });
  });

  it.each([
    ["an expired token", async () => token(k1, { exp: Math.floor(Date.now() / 1000) - 5 })],
    ["a wrong issuer", async () => token(k1, { iss: "someone-else" })],
    ["a key the server never published", async () => token(k2)],
    ["an HS256 token (its key is the API's secret)", async () => "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"],
    ["garbage", async () => "not-a-jwt"],
  ])("asks the probe for %s", async (_what, make) => {
    const api = fakeApi([k1]);
    const decision = await gate(api)(page(`access_token=${await make()}`));
    expect(decision).toMatchObject({ action: "pass", via: "probe" });
    expect(api.seen.probe).toBe(1);
  });

  it("never fetches the JWKS for an HS256 token", async () => {
    const api = fakeApi([k1]);
    await gate(api)(page("access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"));
    expect(api.seen.jwks).toBe(0);
  });

  it("with localCheck off, always probes", async () => {
    const api = fakeApi([k1]);
    expect(await gate(api, { localCheck: false })(page(`access_token=${await token(k1)}`))).toMatchObject({ via: "probe" });
    expect(api.seen).toEqual({ jwks: 0, probe: 1 });
  });
});

describe("the probe", () => {
  it("relays the silent refresh's cookies", async () => {
    const api = fakeApi([k1], { status: 200, setCookie: "access_token=new; Path=/; HttpOnly" });
    const decision = await gate(api)(page("refresh_token=r"));
    expect(decision).toMatchObject({ action: "pass", via: "probe", setCookies: ["access_token=new; Path=/; HttpOnly"] });
  });

  it("bounces a failed page through the session path, which then sends to login", async () => {
    const api = fakeApi([k1], { status: 401 });
    const decide = gate(api);
    const first = await decide({ pathname: "/dashboard/x", search: "?a=1", cookie: "access_token=expired", next: null });
    expect(first).toMatchObject({ action: "redirect", location: "/auth/session?next=%2Fdashboard%2Fx%3Fa%3D1" });
    const second = await decide({ pathname: "/auth/session", search: "", cookie: "x=1", next: "/dashboard/x?a=1" });
    expect(second).toMatchObject({ action: "redirect", location: "/login?next=%2Fdashboard%2Fx%3Fa%3D1" });
  });

  it("the session path goes back to a safe next only", async () => {
    const api = fakeApi([k1], { status: 200 });
    const decide = gate(api);
    expect(await decide({ pathname: "/auth/session", search: "", cookie: "refresh_token=r", next: "/dashboard" })).toMatchObject({
      location: "/dashboard",
    });
    expect(await decide({ pathname: "/auth/session", search: "", cookie: "refresh_token=r", next: "//evil.test" })).toMatchObject({
      location: "/",
    });
  });

  it("counts an unreachable API as signed out", async () => {
    const failing = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    const decide = createGate({ apiUrl: "http://down.test", protect: ["/dashboard"], fetch: failing });
    expect(await decide(page("access_token=x"))).toMatchObject({ action: "redirect" });
  });

  it("without cookies redirects without calling the API", async () => {
    const api = fakeApi([k1]);
    expect(await gate(api)(page(null))).toMatchObject({ action: "redirect" });
    expect(api.seen).toEqual({ jwks: 0, probe: 0 });
  });
});

describe("what is gated", () => {
  it("leaves public pages and cross-site deployments alone", async () => {
    const api = fakeApi([k1], { status: 401 });
    expect(await gate(api)(page(null, "/"))).toMatchObject({ action: "pass", via: "public" });
    expect(await gate(api)(page(null, "/dashboardx"))).toMatchObject({ via: "public" });
    expect(await gate(api, { crossSite: true })(page(null))).toMatchObject({ action: "pass", via: "public" });
    expect(api.seen.probe).toBe(0);
  });
});
