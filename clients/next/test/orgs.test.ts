import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createAuthClient } from "../src/api-client.js";
import { createGate } from "../src/gate.js";
import { hasOrgRole } from "../src/org-roles.js";
import { sessionFromCookies } from "../src/server.js";
import type { OrgClaim } from "../src/types.js";
import { FakeBus, FakeLocks, tick } from "./fakes.js";

type Key = { privateKey: CryptoKey; jwk: JWK };
let key: Key;
beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { extractable: true });
  key = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: "k1", alg: "EdDSA", use: "sig" } };
});

async function token(org?: OrgClaim): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: "s1", roles: [], ...(org ? { org } : {}) })
    .setProtectedHeader({ alg: "EdDSA", kid: "k1" })
    .setSubject("7")
    .setJti(`j${Math.random()}`)
    .setIssuedAt(now - 10)
    .setIssuer("flask-auth")
    .setExpirationTime(now + 300)
    .sign(key.privateKey);
}

/** An unsigned-looking HS256 token (only the API can check it): the gate must probe. */
function hs256(org?: OrgClaim): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: "7", sid: "s1", roles: [], ...(org ? { org } : {}) })}.sig`;
}

const acme = (role: string): OrgClaim => ({ id: "1", slug: "acme", role });

let counter = 0;
function api(probe: { status: number; setCookie?: string } = { status: 200 }) {
  counter += 1;
  const seen = { probe: 0 };
  const fetch = async (input: RequestInfo | URL): Promise<Response> => {
    const url = new URL(String(input));
    if (url.pathname === "/.well-known/jwks.json") return Response.json({ keys: [key.jwk] });
    if (url.pathname === "/auth/is-authenticated") {
      seen.probe += 1;
      const headers = new Headers();
      if (probe.setCookie) headers.append("set-cookie", probe.setCookie);
      return new Response("{}", { status: probe.status, headers });
    }
    return new Response("{}", { status: 404 });
  };
  return { apiUrl: `http://orgs${counter}.test`, fetch: fetch as typeof globalThis.fetch, seen };
}

const page = (cookie: string | null, pathname: string) => ({ pathname, search: "", cookie, next: null });
const rules = { protect: ["/dashboard"], orgRoles: { "/acme": "member", "/acme/settings": "admin" }, orgDeniedPath: "/no-org" };

describe("hasOrgRole", () => {
  it("orders owner > admin > member and matches other roles by name only", () => {
    expect(["owner", "admin", "member"].map((r) => hasOrgRole(acme(r), "admin"))).toEqual([true, true, false]);
    expect(hasOrgRole(acme("billing"), "billing")).toBe(true);
    expect(hasOrgRole(acme("owner"), "billing")).toBe(false);
    expect(hasOrgRole(acme("billing"), "member")).toBe(false);
    expect(hasOrgRole(null, "member")).toBe(false);
  });
});

describe("the gate's organisation rule", () => {
  it("passes a locally checked token with the role and sends one without it to orgDeniedPath", async () => {
    const server = api();
    const decide = createGate({ ...server, ...rules, orgLocalCheck: true, jwksCooldownMs: 0 });
    expect(await decide(page(`access_token=${await token(acme("admin"))}`, "/acme/settings"))).toMatchObject({
      action: "pass",
      via: "local",
    });
    expect(await decide(page(`access_token=${await token(acme("member"))}`, "/acme/settings"))).toMatchObject({
      action: "redirect",
      location: "/no-org",
      orgRole: "admin",
    });
    expect(await decide(page(`access_token=${await token(acme("member"))}`, "/acme/board"))).toMatchObject({ action: "pass" });
    expect(await decide(page(`access_token=${await token()}`, "/acme"))).toMatchObject({ location: "/no-org" });
    expect(server.seen.probe).toBe(0);
  });

  it("probes organisation pages by default, even with a token it could check locally", async () => {
    const server = api({ status: 401 });
    const decide = createGate({ ...server, ...rules, jwksCooldownMs: 0 });
    const fresh = `access_token=${await token(acme("owner"))}`;
    expect(await decide(page(fresh, "/dashboard"))).toMatchObject({ action: "pass", via: "local" });
    // The API refuses it (say the membership was removed): the page is not rendered.
    expect(await decide(page(fresh, "/acme"))).toMatchObject({ action: "redirect", via: "probe" });
    expect(server.seen.probe).toBe(1);
  });

  it("reads the org claim of the token the probe accepted, or of the one it issued", async () => {
    const stale = hs256(acme("member"));
    const refreshed = api({ status: 200, setCookie: `access_token=${hs256()}; Path=/; HttpOnly` });
    const decide = createGate({ ...refreshed, ...rules });
    // The API refused the stale claim and refreshed into a token without an org: denied.
    expect(await decide(page(`access_token=${stale}`, "/acme"))).toMatchObject({ action: "redirect", location: "/no-org", via: "probe" });
    const accepted = api({ status: 200 });
    expect(await createGate({ ...accepted, ...rules })(page(`access_token=${stale}`, "/acme"))).toMatchObject({ action: "pass" });
  });

  it("sends a refused token through the session path as before (the API may refresh it)", async () => {
    const server = api({ status: 401 });
    const decision = await createGate({ ...server, ...rules })(page(`access_token=${hs256(acme("owner"))}`, "/acme"));
    expect(decision).toMatchObject({ action: "redirect", location: "/auth/session?next=%2Facme" });
  });
});

describe("getSession().org", () => {
  it("is the token's org claim, or null", async () => {
    const server = api();
    expect((await sessionFromCookies(await token(acme("admin")), { apiUrl: server.apiUrl, fetch: server.fetch }))?.org).toEqual(
      acme("admin"),
    );
    expect((await sessionFromCookies(await token(), { apiUrl: server.apiUrl, fetch: server.fetch }))?.org).toBeNull();
  });
});

/** A fake API for switching: POST /auth/orgs/active answers with the org; refresh takes a while. */
function switchApi() {
  const calls: string[] = [];
  let active: string | null = null;
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const method = (init.method ?? "GET").toUpperCase();
    calls.push(`${method} ${url.pathname} start`);
    if (url.pathname === "/auth/refresh") await tick(30);
    if (url.pathname === "/auth/orgs/active") {
      active = (JSON.parse(String(init.body)) as { org: string | null }).org;
    }
    calls.push(`${method} ${url.pathname} end`);
    if (url.pathname === "/auth/orgs/active") {
      return Response.json({ success: true, org: active ? { id: "1", slug: active, name: "Acme", role: "owner" } : null });
    }
    if (url.pathname === "/auth/orgs") return Response.json({ success: true, orgs: [], active });
    return Response.json({ success: true });
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

describe("switchOrganization", () => {
  it("waits for a refresh in flight in another tab, then tells every tab", async () => {
    const server = switchApi();
    const locks = new FakeLocks();
    const bus = new FakeBus();
    const make = () => createAuthClient({ apiUrl: "http://api.test", fetch: server.fetch, locks, channel: bus.channel(), settleMs: 1 });
    const first = make();
    const second = make();
    const heard: Array<string | null> = [];
    second.onOrganizationChange((slug) => heard.push(slug));

    const refreshing = second.refresh();
    await tick(1);
    const org = await first.switchOrganization("acme");
    await refreshing;
    expect(org?.slug).toBe("acme");
    // Never interleaved: the switch started after the other tab's refresh ended.
    expect(server.calls).toEqual([
      "POST /auth/refresh start",
      "POST /auth/refresh end",
      "POST /auth/orgs/active start",
      "POST /auth/orgs/active end",
    ]);
    await tick(5);
    expect(heard).toEqual(["acme"]);

    await first.switchOrganization(null);
    await tick(5);
    expect(heard).toEqual(["acme", null]);
  });

  it("throws the server's sentence when refused", async () => {
    const fetch = (async () =>
      Response.json({ success: false, message: "No such organisation (or you are not a member)." }, { status: 404 })) as typeof globalThis.fetch;
    const client = createAuthClient({ apiUrl: "http://api.test", fetch, locks: null, channel: null });
    await expect(client.switchOrganization("nope")).rejects.toMatchObject({ status: 404, message: "No such organisation (or you are not a member)." });
  });
});
