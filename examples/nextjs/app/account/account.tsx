"use client";

import { useEffect } from "react";
import { useRouter } from "next/navigation";
import { useSession } from "@flask-auth/next/client";
import { PasswordSection } from "./password";
import { SessionsSection } from "./sessions";
import { EmailSlot } from "./slots/email-slot";
import { ProvidersSlot } from "./slots/providers-slot";
import { SecondFactorsSlot } from "./slots/second-factors-slot";

export function Account() {
  const session = useSession();
  const router = useRouter();

  useEffect(() => {
    if (session.status === "unauthenticated") router.replace("/login?next=%2Faccount");
  }, [session.status, router]);

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
  const { user } = session;
  return (
    <>
      <section aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl data-testid="profile">
          <dt>Username</dt>
          <dd data-testid="current-username">{user.username}</dd>
          <dt>User id</dt>
          <dd>{String(user.id)}</dd>
          <dt>Roles</dt>
          <dd>{user.roles.length ? user.roles.join(", ") : "none"}</dd>
        </dl>
      </section>
      <SessionsSection />
      <PasswordSection />
      {/* Slots: each capability fills its own file in ./slots. */}
      <EmailSlot />
      <SecondFactorsSlot />
      <ProvidersSlot />
    </>
  );
}
