// The session readers expose the admin behind an impersonated session: from the
// token's RFC 8693 `act` claim (local check) and from /auth/me's `impersonated_by`.
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { sessionFromCookies } from "../src/server.js";

async function signer() {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "EdDSA", use: "sig" };
  const fetchJwks = (async (url: string | URL) => {
    expect(String(url)).toMatch(/\/\.well-known\/jwks\.json$/);
    return new Response(JSON.stringify({ keys: [jwk] }), { headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  const token = (claims: Record<string, unknown>) =>
    new SignJWT({ sid: "s1", jti: "j1", roles: [], ...claims })
      .setProtectedHeader({ alg: "EdDSA", kid: "k1" })
      .setSubject("7")
      .setIssuer("flask-auth")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
  return { fetchJwks, token };
}

function meReply(body: unknown): typeof fetch {
  return (async () => new Response(JSON.stringify(body), { status: 200 })) as unknown as typeof fetch;
}

describe("impersonatedBy", () => {
  it("comes from the act claim of a locally checked token", async () => {
    const { fetchJwks, token } = await signer();
    const session = await sessionFromCookies(await token({ act: { sub: "1" } }), {
      apiUrl: "https://api-act.example.com",
      fetch: fetchJwks,
    });
    expect(session?.checkedBy).toBe("token");
    expect(session?.user.id).toBe("7");
    expect(session?.impersonatedBy).toEqual({ id: "1" });
  });

  it("is absent for the user's own token", async () => {
    const { fetchJwks, token } = await signer();
    const session = await sessionFromCookies(await token({}), { apiUrl: "https://api-own.example.com", fetch: fetchJwks });
    expect(session?.checkedBy).toBe("token");
    expect(session?.impersonatedBy).toBeUndefined();
  });

  it("comes from impersonated_by when the API answers", async () => {
    const session = await sessionFromCookies("opaque", {
      apiUrl: "https://api-me.example.com",
      localCheck: false,
      fetch: meReply({
        success: true,
        user: { id: "7", username: "bob", roles: [] },
        impersonated_by: { id: "1", username: "root" },
      }),
    });
    expect(session?.checkedBy).toBe("api");
    expect(session?.impersonatedBy).toEqual({ id: "1", username: "root" });
  });

  it("is absent when /auth/me names no admin", async () => {
    const session = await sessionFromCookies("opaque", {
      apiUrl: "https://api-me2.example.com",
      localCheck: false,
      fetch: meReply({ success: true, user: { id: "7", username: "bob", roles: [] } }),
    });
    expect(session?.user.username).toBe("bob");
    expect(session?.impersonatedBy).toBeUndefined();
  });
});
