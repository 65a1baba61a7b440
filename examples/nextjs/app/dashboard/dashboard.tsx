"use client";

import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import type { MeResponse, User } from "@/lib/api";
import { errorMessage } from "@/lib/api";
import { useConfig } from "../config-provider";
import { LinkedIdentities } from "./linked-identities";

type State = { kind: "loading" } | { kind: "ready"; user: User } | { kind: "error"; message: string };

export function Dashboard() {
  const { api } = useConfig();
  const router = useRouter();
  const [state, setState] = useState<State>({ kind: "loading" });
  const [loggingOut, setLoggingOut] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api
      .get<MeResponse>("/auth/me")
      .then(({ data }) => {
        if (!cancelled) setState({ kind: "ready", user: data.user });
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        const status = (err as { response?: { status?: number } }).response?.status;
        if (status === 401) {
          // Not logged in, and the refresh the api client tried failed too.
          router.replace("/login?next=%2Fdashboard");
        } else {
          setState({ kind: "error", message: errorMessage(err, "Could not load your account.") });
        }
      });
    return () => {
      cancelled = true;
    };
  }, [api, router]);

  async function logout() {
    setLoggingOut(true);
    try {
      await api.post("/auth/logout");
    } catch {
      // Already logged out or the API is unreachable: leave either way.
    }
    router.replace("/login");
  }

  if (state.kind === "loading") {
    return <p data-testid="session-loading">Checking your session…</p>;
  }
  if (state.kind === "error") {
    return (
      <p role="alert" className="error">
        {state.message}
      </p>
    );
  }
  return (
    <>
      <p data-testid="current-user">
        Signed in as <strong data-testid="current-username">{state.user.username}</strong>
      </p>
      <p>Roles: {state.user.roles.length ? state.user.roles.join(", ") : "none"}</p>
      <LinkedIdentities />
      <button type="button" onClick={logout} disabled={loggingOut} data-testid="logout">
        Log out
      </button>
    </>
  );
}
