"use client";

/**
 * React glue: <AuthProvider apiUrl=...> makes one client per app (one
 * refresh coordinator per tab), useAuth() returns it, useSession() asks
 * GET /auth/me through it, useOrganization() GET /auth/orgs.
 */

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { type AuthClient, createAuthClient } from "./api-client.js";
import type { Impersonator, MeReply, Organization, User } from "./types.js";

const AuthContext = createContext<AuthClient | null>(null);

export function AuthProvider({
  apiUrl,
  client,
  children,
}: {
  apiUrl: string;
  /** An existing client to share (e.g. with code outside React); default one made here. */
  client?: AuthClient;
  children: ReactNode;
}) {
  const value = useMemo(() => client ?? createAuthClient({ apiUrl }), [apiUrl, client]);
  useEffect(() => (client ? undefined : () => value.close()), [client, value]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthClient {
  const client = useContext(AuthContext);
  if (!client) throw new Error("useAuth() and useSession() must be used inside <AuthProvider>");
  return client;
}

export type SessionState =
  | { status: "loading"; user: null; error: null }
  | { status: "authenticated"; user: User; error: null; impersonatedBy?: Impersonator }
  | { status: "unauthenticated"; user: null; error: null }
  | { status: "error"; user: null; error: string };

/** The signed-in user as the API sees it, and `reload()` to ask again. */
export function useSession(): SessionState & { reload: () => void } {
  const client = useAuth();
  const [state, setState] = useState<SessionState>({ status: "loading", user: null, error: null });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);

  useEffect(() => {
    let cancelled = false;
    client
      .authFetch("/auth/me")
      .then(async (response) => {
        if (cancelled) return;
        if (response.status === 401) {
          setState({ status: "unauthenticated", user: null, error: null });
          return;
        }
        const body = (await response.json().catch(() => null)) as (Partial<MeReply> & { message?: string }) | null;
        if (cancelled) return;
        if (response.ok && body?.user) {
          const actor = body.impersonated_by;
          setState({
            status: "authenticated",
            user: body.user,
            error: null,
            ...(actor ? { impersonatedBy: { id: String(actor.id), username: actor.username } } : {}),
          });
        } else {
          setState({ status: "error", user: null, error: body?.message ?? `The server answered ${response.status}.` });
        }
      })
      .catch(() => {
        if (!cancelled) setState({ status: "error", user: null, error: "The authentication server could not be reached." });
      });
    return () => {
      cancelled = true;
    };
  }, [client, generation]);

  return { ...state, reload };
}

export type OrganizationState =
  | { status: "loading"; org: null; orgs: Organization[]; error: null }
  | { status: "ready"; org: Organization | null; orgs: Organization[]; error: null }
  | { status: "unauthenticated"; org: null; orgs: Organization[]; error: null }
  | { status: "error"; org: null; orgs: Organization[]; error: string };

/**
 * The active organisation (with the caller's role) and all of the caller's
 * organisations, and `switchOrganization(slug | null)`. It reloads when this
 * or any other tab switches (the switch runs under the cross-tab refresh lock).
 */
export function useOrganization(): OrganizationState & {
  switchOrganization: (slug: string | null) => Promise<void>;
  reload: () => void;
} {
  const client = useAuth();
  const [state, setState] = useState<OrganizationState>({ status: "loading", org: null, orgs: [], error: null });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  useEffect(() => client.onOrganizationChange(reload), [client, reload]);

  useEffect(() => {
    let cancelled = false;
    client.orgs
      .list()
      .then((reply) => {
        if (cancelled) return;
        const org = reply.orgs.find((o) => o.slug === reply.active) ?? null;
        setState({ status: "ready", org, orgs: reply.orgs, error: null });
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        const status = (error as { status?: number }).status;
        if (status === 401) setState({ status: "unauthenticated", org: null, orgs: [], error: null });
        else setState({ status: "error", org: null, orgs: [], error: error instanceof Error ? error.message : String(error) });
      });
    return () => {
      cancelled = true;
    };
  }, [client, generation]);

  const switchOrganization = useCallback(
    async (slug: string | null) => {
      await client.switchOrganization(slug);
    },
    [client],
  );
  return { ...state, switchOrganization, reload };
}
