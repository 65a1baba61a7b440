"use client";

import { useState, type FormEvent } from "react";
import { errorMessage } from "@/lib/api";
import { creationOptions, credentialJson } from "@/lib/webauthn";
import { useConfig } from "../config-provider";

export interface PasskeyInfo {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/** The user's passkeys: add one (navigator.credentials.create), remove one. */
export function Passkeys({ passkeys, onChange }: { passkeys: PasskeyInfo[]; onChange: () => void }) {
  const { api } = useConfig();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const { data } = await api.post("/auth/passkeys/register/options");
      const credential = (await navigator.credentials.create({
        publicKey: creationOptions(data.options),
      })) as PublicKeyCredential | null;
      if (!credential) throw new Error("No passkey was made.");
      await api.post("/auth/passkeys/register", { credential: credentialJson(credential), name: name || "Passkey" });
      setName("");
      onChange();
    } catch (err) {
      setError(err instanceof DOMException ? err.message : errorMessage(err, "Could not add the passkey."));
    } finally {
      setPending(false);
    }
  }

  async function remove(id: string) {
    setError(null);
    try {
      await api.delete(`/auth/passkeys/${encodeURIComponent(id)}`);
      onChange();
    } catch (err) {
      setError(errorMessage(err, "Could not remove the passkey."));
    }
  }

  return (
    <div data-testid="passkeys-section">
      <ul data-testid="passkey-list">
        {passkeys.map((p) => (
          <li key={p.id} data-testid="passkey-item">
            <span data-testid="passkey-name">{p.name}</span>{" "}
            <button type="button" onClick={() => remove(p.id)} data-testid="passkey-remove">
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={add}>
        <label>
          Name for a new passkey
          <input name="passkey-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} />
        </label>
        <button type="submit" disabled={pending} data-testid="passkey-add">
          {pending ? "Waiting for your authenticator…" : "Add a passkey"}
        </button>
      </form>
      {error && (
        <p role="alert" className="error" data-testid="passkey-error">
          {error}
        </p>
      )}
    </div>
  );
}
