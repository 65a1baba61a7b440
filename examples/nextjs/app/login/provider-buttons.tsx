"use client";

import { useEffect, useState } from "react";
import { useConfig } from "../config-provider";

interface Provider {
  name: string;
  label: string;
}

/**
 * "Continue with …" for each identity provider the API offers
 * (GET /auth/oidc/providers). Each is a plain link: the browser goes to the
 * API, then the provider, then back to the API, which sets the session
 * cookies and sends it on to `next` on this app.
 */
export function ProviderButtons({ next }: { next: string }) {
  const { api, apiUrl } = useConfig();
  const [providers, setProviders] = useState<Provider[]>([]);

  useEffect(() => {
    let cancelled = false;
    api
      .get<{ providers: Provider[] }>("/auth/oidc/providers")
      .then(({ data }) => {
        if (!cancelled) setProviders(data.providers);
      })
      .catch(() => {
        // No providers endpoint or the API is down: show the password form only.
      });
    return () => {
      cancelled = true;
    };
  }, [api]);

  if (providers.length === 0) return null;
  const target = typeof window === "undefined" ? next : new URL(next, window.location.origin).toString();
  return (
    <nav aria-label="Sign in with a provider" data-testid="oidc-providers">
      {providers.map((p) => (
        <p key={p.name}>
          <a
            data-testid={`oidc-${p.name}`}
            href={`${apiUrl}/auth/oidc/${encodeURIComponent(p.name)}/start?next=${encodeURIComponent(target)}`}
          >
            Continue with {p.label}
          </a>
        </p>
      ))}
    </nav>
  );
}
