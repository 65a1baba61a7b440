"use client";

import { useEffect, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useAuth, useSession } from "@flask-auth/next/client";
import { LinkedIdentities } from "./linked-identities";
import { Organizations } from "./organizations";

export function Dashboard() {
  const auth = useAuth();
  const session = useSession();
  const router = useRouter();
  const [loggingOut, setLoggingOut] = useState(false);

  useEffect(() => {
    if (session.status === "unauthenticated") {
      // Not logged in, and the refresh the client tried failed too.
      router.replace("/login?next=%2Fdashboard");
    }
  }, [session.status, router]);

  async function logout() {
    setLoggingOut(true);
    try {
      await auth.logout();
    } catch {
      // Already logged out or the API is unreachable: leave either way.
    }
    router.replace("/login");
  }

  if (session.status === "loading" || session.status === "unauthenticated") {
    return <p data-testid="session-loading">Checking your session…</p>;
  }
  if (session.status === "error") {
    return (
      <p role="alert" className="error">
        {session.error}
      </p>
    );
  }
  return (
    <>
      <p data-testid="current-user">
        Signed in as <strong data-testid="current-username">{session.user.username}</strong>
      </p>
      <p>Roles: {session.user.roles.length ? session.user.roles.join(", ") : "none"}</p>
      <p>
        <Link href="/account" prefetch={false}>
          Your account
        </Link>
      </p>
      <LinkedIdentities />
      <Organizations />
      <button type="button" onClick={logout} disabled={loggingOut} data-testid="logout">
        Log out
      </button>
    </>
  );
}
