/**
 * The local check of an access token: the signature against the server's
 * public keys (GET /.well-known/jwks.json), the algorithm, the issuer and the
 * expiry. Only asymmetric tokens (EdDSA, ES256) can be checked here; anything
 * else is "unknown" and left to the API.
 *
 * A local check cannot see a revocation (logout elsewhere, a password change):
 * a revoked session's token passes here until it expires. The API stays the
 * enforcer of every call; ACCESS_TOKEN_TTL bounds how long a page may still
 * render for a revoked session.
 */

import { createRemoteJWKSet, customFetch, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { orgClaimOf } from "./org-roles.js";
import type { AccessClaims } from "./types.js";
import { trimSlash } from "./urls.js";

export type AsymmetricAlgorithm = "EdDSA" | "ES256";

export type TokenVerdict =
  | { kind: "valid"; claims: AccessClaims }
  | { kind: "expired" }
  | { kind: "unknown"; reason: string };

export interface TokenCheckOptions {
  /** The API's origin as this server reaches it. */
  apiUrl: string;
  /** The `iss` the server writes (JWT_ISSUER); default "flask-auth". */
  issuer?: string;
  /** Algorithms accepted locally; default both the server offers. */
  algorithms?: AsymmetricAlgorithm[];
  /** Minimum milliseconds between two JWKS fetches for an unknown `kid`; default 30000. */
  jwksCooldownMs?: number;
  /** Milliseconds the JWKS is trusted before it is fetched again; default 600000. */
  jwksMaxAgeMs?: number;
  fetch?: typeof fetch;
}

export type TokenCheck = (token: string) => Promise<TokenVerdict>;

const DEFAULT_ALGORITHMS: AsymmetricAlgorithm[] = ["EdDSA", "ES256"];
const REQUIRED_CLAIMS = ["sub", "sid", "jti", "iat", "exp", "iss"];

export function createTokenCheck(options: TokenCheckOptions): TokenCheck {
  const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
  const issuer = options.issuer ?? "flask-auth";
  const fetchImpl = options.fetch;
  // createRemoteJWKSet caches the keys and fetches again, at most once per
  // cooldown, when a token names a kid it does not know (a key rotation).
  const keys = createRemoteJWKSet(new URL(`${trimSlash(options.apiUrl)}/.well-known/jwks.json`), {
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: options.jwksMaxAgeMs ?? 600_000,
    timeoutDuration: 5_000,
    ...(fetchImpl ? { [customFetch]: (url: string, init: RequestInit) => fetchImpl(url, init) } : {}),
  });

  return async (token) => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return { kind: "unknown", reason: "not a JWT" };
    }
    if (!alg || !(algorithms as string[]).includes(alg)) {
      return { kind: "unknown", reason: `alg ${alg ?? "none"} is not checked locally` };
    }
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, algorithms, requiredClaims: REQUIRED_CLAIMS });
      if (typeof payload.sub !== "string" || typeof payload.sid !== "string") {
        return { kind: "unknown", reason: "sub or sid is not a string" };
      }
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === "string") : [];
      const org = orgClaimOf(payload.org);
      const claims = { ...(payload as unknown as AccessClaims), roles };
      if (org) claims.org = org;
      else delete claims.org;
      return { kind: "valid", claims };
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        return { kind: "expired" };
      }
      const code = error instanceof errors.JOSEError ? error.code : "ERR_UNEXPECTED";
      return { kind: "unknown", reason: code };
    }
  };
}

const shared = new Map<string, TokenCheck>();

/** One check (and so one JWKS cache) per API and issuer in this process. */
export function sharedTokenCheck(options: TokenCheckOptions): TokenCheck {
  const key = JSON.stringify([trimSlash(options.apiUrl), options.issuer ?? "", options.algorithms ?? []]);
  let check = shared.get(key);
  if (!check) {
    check = createTokenCheck(options);
    shared.set(key, check);
  }
  return check;
}
