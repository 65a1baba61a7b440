"use client";

import { useState } from "react";
import Link from "next/link";
import { errorMessage, useOrganization } from "@flask-auth/next/client";

/** The user's organisations and a switch for each: the active one goes into the access token. */
export function Organizations() {
  const orgs = useOrganization();
  const [error, setError] = useState<string | null>(null);

  async function choose(slug: string | null) {
    setError(null);
    try {
      await orgs.switchOrganization(slug);
    } catch (failure) {
      setError(errorMessage(failure, "Could not switch organisation."));
    }
  }

  if (orgs.status !== "ready") return null;
  return (
    <section aria-labelledby="orgs-heading" data-testid="organizations">
      <h2 id="orgs-heading">Organisations</h2>
      <p data-testid="active-org">
        {orgs.org ? (
          <>
            Active: <strong>{orgs.org.name}</strong> ({orgs.org.role}) — <Link href="/org" prefetch={false}>its page</Link>
          </>
        ) : (
          "No active organisation."
        )}
      </p>
      <ul>
        {orgs.orgs.map((org) => (
          <li key={org.slug}>
            {org.name} ({org.role}){" "}
            {orgs.org?.slug === org.slug ? (
              <button type="button" onClick={() => choose(null)}>
                Stop using
              </button>
            ) : (
              <button type="button" onClick={() => choose(org.slug)} data-testid={`switch-${org.slug}`}>
                Switch to {org.name}
              </button>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}
