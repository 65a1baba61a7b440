"use client";

import { useCallback, useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { errorMessage } from "@/lib/api";
import { useConfig } from "../config-provider";
import { Passkeys, type PasskeyInfo } from "./passkeys";
import { TotpSetup } from "./totp-setup";

interface Overview {
  totp: boolean;
  recovery_codes_left: number;
  passkeys: PasskeyInfo[];
}

/**
 * The user's second factors (GET /auth/mfa): enrol an authenticator app,
 * see recovery codes once, add and remove passkeys. Enrolling and removing
 * need a recent sign-in; the API answers 403 `reauth_required` otherwise.
 */
export function SecondFactors() {
  const { api } = useConfig();
  const router = useRouter();
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const { data } = await api.get<Overview>("/auth/mfa");
      setOverview(data);
    } catch (err) {
      if ((err as { response?: { status?: number } }).response?.status === 401) {
        router.replace("/login?next=%2Faccount");
      } else {
        setError(errorMessage(err, "Could not load your second factors."));
      }
    }
  }, [api, router]);

  useEffect(() => {
    void reload();
  }, [reload]);

  if (error) {
    return (
      <p role="alert" className="error">
        {error}
      </p>
    );
  }
  if (!overview) {
    return <p data-testid="account-loading">Loading…</p>;
  }
  return (
    <>
      <section>
        <h2>Authenticator app</h2>
        <TotpSetup active={overview.totp} codesLeft={overview.recovery_codes_left} onChange={reload} />
      </section>
      <section>
        <h2>Passkeys</h2>
        <Passkeys passkeys={overview.passkeys} onChange={reload} />
      </section>
    </>
  );
}
