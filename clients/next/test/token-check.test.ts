/**
 * The local token check refuses what only a real signature check refuses: a
 * token signed by another key under the published `kid`, an unsigned
 * (`alg: none`) token, and a token written for another issuer or audience.
 * Each case is otherwise a token the check would pass (same kid, fresh exp).
 */

import { base64url, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createTokenCheck } from "../src/token-check.js";

type Key = { kid: string; privateKey: CryptoKey; jwk: JWK };

async function makeKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" } };
}

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub: "7", sid: "s1", jti: "j1", iat: now - 10, exp: now + 300, iss: "flask-auth", roles: ["user"], ...extra };
}

async function signed(key: Key, kid: string, extra: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims(extra)).setProtectedHeader({ alg: "EdDSA", kid }).sign(key.privateKey);
}

let counter = 0;
function check(published: Key[]) {
  counter += 1;
  const fetch = (async () => Response.json({ keys: published.map((k) => k.jwk) })) as typeof globalThis.fetch;
  return createTokenCheck({ apiUrl: `http://tokens${counter}.test`, jwksCooldownMs: 0, fetch });
}

let server: Key;
let attacker: Key;
beforeAll(async () => {
  [server, attacker] = await Promise.all([makeKey("k1"), makeKey("attacker")]);
});

describe("the local token check", () => {
  it("passes a token the server's key signed (the control for every refusal below)", async () => {
    expect(await check([server])(await signed(server, "k1"))).toMatchObject({ kind: "valid", claims: { sub: "7" } });
  });

  it("refuses a token signed by another key under the published kid", async () => {
    const forged = await signed(attacker, "k1");
    expect(await check([server])(forged)).toEqual({ kind: "unknown", reason: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" });
  });

  it("refuses the server's claims with the signature of another token", async () => {
    const [header, payload] = (await signed(server, "k1", { sub: "1", roles: ["admin"] })).split(".");
    const [, , signature] = (await signed(server, "k1")).split(".");
    expect(await check([server])(`${header}.${payload}.${signature}`)).toMatchObject({ kind: "unknown" });
  });

  it.each([
    ["alg none, no signature", { alg: "none", kid: "k1" }, ""],
    ["alg none with a kid the server published and any signature", { alg: "none", kid: "k1" }, "c2ln"],
    ["alg EdDSA with no signature", { alg: "EdDSA", kid: "k1" }, ""],
  ])("refuses an unsigned token: %s", async (_what, header, signature) => {
    const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
    const token = `${encode(header)}.${encode(claims())}.${signature}`;
    expect(await check([server])(token)).toMatchObject({ kind: "unknown" });
  });

  it("refuses a token for another issuer", async () => {
    const other = await signed(server, "k1", { iss: "another-server" });
    expect(await check([server])(other)).toEqual({ kind: "unknown", reason: "ERR_JWT_CLAIM_VALIDATION_FAILED" });
  });

  it("refuses a token for another audience when the check is told its issuer", async () => {
    // The server writes no `aud`; another deployment's tokens differ by `iss` (JWT_ISSUER).
    const mine = createTokenCheck({
      apiUrl: "http://audience.test",
      issuer: "flask-auth-app-a",
      jwksCooldownMs: 0,
      fetch: (async () => Response.json({ keys: [server.jwk] })) as typeof globalThis.fetch,
    });
    const appB = await signed(server, "k1", { iss: "flask-auth-app-b", aud: "app-b" });
    expect(await mine(appB)).toMatchObject({ kind: "unknown" });
    expect(await mine(await signed(server, "k1", { iss: "flask-auth-app-a" }))).toMatchObject({ kind: "valid" });
  });
});
