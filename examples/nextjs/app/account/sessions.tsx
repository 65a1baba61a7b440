"use client";

import { useCallback, useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { useAuth, type LiveSession } from "@flask-auth/next/client";
import { errorMessage } from "@/lib/api";
import { useSignedOutRedirect } from "./signed-out";

function when(value: string | number | null): string {
  if (value === null || value === "") return "never";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

/** The user's live sessions, with "sign out" per session and "sign out everywhere". */
export function SessionsSection() {
  const auth = useAuth();
  const router = useRouter();
  const signedOut = useSignedOutRedirect();
  const [sessions, setSessions] = useState<LiveSession[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    setError(null);
    try {
      setSessions(await auth.sessions());
    } catch (err) {
      if (!signedOut(err)) setError(errorMessage(err, "Could not load your sessions."));
    }
  }, [auth, signedOut]);

  useEffect(() => {
    void load();
  }, [load]);

  async function end(session: LiveSession) {
    setBusy(true);
    setError(null);
    try {
      if (session.current) {
        await auth.logout();
        router.replace("/login");
        return;
      }
      await auth.endSession(session.id);
      setStatus("The session was signed out.");
      await load();
    } catch (err) {
      if (!signedOut(err)) setError(errorMessage(err, "Could not sign that session out."));
    } finally {
      setBusy(false);
    }
  }

  async function endAll() {
    setBusy(true);
    setError(null);
    try {
      await auth.logoutAll();
      router.replace("/login");
    } catch (err) {
      if (!signedOut(err)) setError(errorMessage(err, "Could not sign out everywhere."));
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Where you are signed in</h2>
      {sessions === null && !error && <p>Loading your sessions…</p>}
      {sessions && (
        <ul data-testid="sessions" className="sessions">
          {sessions.map((s) => (
            <li key={s.id} data-testid="session-row" data-session-id={s.id} data-current={s.current ? "true" : "false"}>
              <span>
                {s.user_agent || "unknown device"}
                {s.ip ? `, ${s.ip}` : ""}
                {s.current ? " (this device)" : ""}
                <br />
                <small>
                  signed in {when(s.created_at)}, last used {when(s.last_used_at)}
                </small>
              </span>
              <button
                type="button"
                onClick={() => end(s)}
                disabled={busy}
                data-testid="end-session"
                aria-label={s.current ? "Sign out on this device" : `Sign out the session on ${s.user_agent || "an unknown device"}`}
              >
                Sign out
              </button>
            </li>
          ))}
        </ul>
      )}
      <p className="actions">
        <button type="button" onClick={() => void load()} disabled={busy} data-testid="reload-sessions">
          Reload
        </button>
        <button type="button" onClick={endAll} disabled={busy} data-testid="logout-all">
          Sign out everywhere
        </button>
      </p>
      <p role="status" aria-live="polite" data-testid="sessions-status">
        {status}
      </p>
      {error && (
        <p role="alert" className="error" data-testid="sessions-error">
          {error}
        </p>
      )}
    </section>
  );
}
