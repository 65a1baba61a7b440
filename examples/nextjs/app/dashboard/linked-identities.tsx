"use client";

import { useEffect, useState } from "react";
import { useConfig } from "../config-provider";

interface Identity {
  id: string;
  provider: string;
  label: string;
  email: string | null;
}

/** The identity-provider accounts linked to this user (GET /auth/identities). */
export function LinkedIdentities() {
  const { api } = useConfig();
  const [identities, setIdentities] = useState<Identity[] | null>(null);

  useEffect(() => {
    let cancelled = false;
    api
      .get<{ identities: Identity[] }>("/auth/identities")
      .then(({ data }) => {
        if (!cancelled) setIdentities(data.identities);
      })
      .catch(() => {
        if (!cancelled) setIdentities([]);
      });
    return () => {
      cancelled = true;
    };
  }, [api]);

  if (identities === null || identities.length === 0) return null;
  return (
    <section data-testid="linked-identities">
      <h2>Signed in with</h2>
      <ul>
        {identities.map((i) => (
          <li key={i.id} data-testid={`identity-${i.provider}`}>
            {i.label}
            {i.email ? ` (${i.email})` : ""}
          </li>
        ))}
      </ul>
    </section>
  );
}
