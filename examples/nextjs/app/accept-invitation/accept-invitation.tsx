"use client";

import { useState } from "react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { errorMessage, type Organization, useAuth, useSession } from "@flask-auth/next/client";

export function AcceptInvitation() {
  const auth = useAuth();
  const session = useSession();
  const token = useSearchParams().get("token") ?? "";
  const [joined, setJoined] = useState<Organization | null>(null);
  const [error, setError] = useState<string | null>(null);
  const here = `/accept-invitation?token=${encodeURIComponent(token)}`;

  async function accept() {
    setError(null);
    try {
      setJoined(await auth.orgs.acceptInvitation(token));
    } catch (failure) {
      setError(errorMessage(failure, "The invitation could not be accepted."));
    }
  }

  if (session.status === "loading") return <p>Checking your session…</p>;
  if (session.status !== "authenticated") {
    return (
      <p data-testid="invitation-signin">
        <Link href={`/login?next=${encodeURIComponent(here)}`}>Sign in to accept the invitation</Link> (with the
        account whose verified email address received it).
      </p>
    );
  }
  if (joined) {
    return (
      <p data-testid="invitation-joined">
        You joined <strong>{joined.name}</strong> as {joined.role}. <Link href="/dashboard">Go to the dashboard</Link>{" "}
        to switch to it.
      </p>
    );
  }
  return (
    <>
      <p>Signed in as {session.user.username}.</p>
      <button type="button" onClick={accept} data-testid="accept-invitation">
        Accept the invitation
      </button>
      {error && (
        <p role="alert" className="error" data-testid="invitation-error">
          {error}
        </p>
      )}
    </>
  );
}
