/** Organisation roles as the server orders them: owner > admin > member; other roles match by name only. */

import type { OrgClaim } from "./types.js";

const RANK: Record<string, number> = { owner: 3, admin: 2, member: 1 };

/** True when the claim's role is `required` or, among the built-in roles, ranks above it. */
export function hasOrgRole(org: OrgClaim | null | undefined, required: string): boolean {
  if (!org) return false;
  if (org.role === required) return true;
  const rank = RANK[required];
  return rank !== undefined && (RANK[org.role] ?? 0) >= rank;
}

/** The `org` claim of a well-formed value, else null. */
export function orgClaimOf(value: unknown): OrgClaim | null {
  const org = value as Partial<OrgClaim> | null | undefined;
  if (!org || typeof org !== "object") return null;
  if (typeof org.id !== "string" || typeof org.slug !== "string" || typeof org.role !== "string") return null;
  return { id: org.id, slug: org.slug, role: org.role };
}

/**
 * The payload of a JWT, without checking it: only for a token the API has
 * just accepted (the probe, GET /auth/me), whose claims are then authentic.
 */
export function unverifiedPayload(token: string): Record<string, unknown> | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4));
    const value = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
