"use client";

import { useState } from "react";
import { errorMessage } from "@/lib/api";
import { credentialJson, requestOptions } from "@/lib/webauthn";
import { useConfig } from "../config-provider";

/** "Sign in with a passkey": no username, no password (a discoverable credential). */
export function PasskeyButton({ onDone, onSecondStep }: { onDone: () => void; onSecondStep: () => void }) {
  const { api } = useConfig();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function signIn() {
    setPending(true);
    setError(null);
    try {
      const { data } = await api.post("/auth/passkeys/login/options", {});
      const credential = (await navigator.credentials.get({
        publicKey: requestOptions(data.options),
      })) as PublicKeyCredential | null;
      if (!credential) throw new Error("No passkey was chosen.");
      const reply = await api.post("/auth/passkeys/login", { credential: credentialJson(credential) });
      if (reply.data.mfa_required) onSecondStep();
      else onDone();
    } catch (err) {
      setError(err instanceof DOMException ? err.message : errorMessage(err, "Passkey sign-in failed."));
      setPending(false);
    }
  }

  return (
    <div>
      <button type="button" onClick={signIn} disabled={pending} data-testid="passkey-login">
        {pending ? "Waiting for your passkey…" : "Sign in with a passkey"}
      </button>
      {error && (
        <p role="alert" className="error" data-testid="passkey-error">
          {error}
        </p>
      )}
    </div>
  );
}
