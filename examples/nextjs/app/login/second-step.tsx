"use client";

import { useState, type FormEvent } from "react";
import { errorMessage } from "@/lib/api";
import { useConfig } from "../config-provider";

/**
 * The second step of a sign-in: the API answered `mfa_required` and set the
 * HttpOnly `mfa_pending` cookie; a code from the authenticator app (or a
 * recovery code) finishes it at POST /auth/mfa/verify.
 */
export function SecondStep({ onDone }: { onDone: () => void }) {
  const { api } = useConfig();
  const [method, setMethod] = useState<"totp" | "recovery_code">("totp");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      await api.post("/auth/mfa/verify", { method, code });
      onDone();
    } catch (err) {
      setError(errorMessage(err, "That code did not work."));
      setPending(false);
    }
  }

  return (
    <form onSubmit={handleSubmit} data-testid="mfa-form">
      <label>
        {method === "totp" ? "Code from your authenticator app" : "Recovery code"}
        <input
          name="code"
          autoComplete="one-time-code"
          inputMode={method === "totp" ? "numeric" : "text"}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          required
          autoFocus
        />
      </label>
      <button type="submit" disabled={pending}>
        {pending ? "Checking…" : "Verify"}
      </button>
      <button
        type="button"
        data-testid="use-recovery-code"
        onClick={() => {
          setMethod(method === "totp" ? "recovery_code" : "totp");
          setCode("");
        }}
      >
        {method === "totp" ? "Use a recovery code instead" : "Use the authenticator app instead"}
      </button>
      {error && (
        <p role="alert" className="error" data-testid="mfa-error">
          {error}
        </p>
      )}
    </form>
  );
}
