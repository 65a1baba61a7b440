"use client";

import { useState, type FormEvent } from "react";
import { errorMessage } from "@/lib/api";
import { useConfig } from "../config-provider";

interface Setup {
  secret: string;
  otpauth_uri: string;
  qr_svg: string;
}

/** Enrol TOTP: a new secret and its QR code, confirmed with a code; the recovery codes are shown once. */
export function TotpSetup({ active, codesLeft, onChange }: { active: boolean; codesLeft: number; onChange: () => void }) {
  const { api } = useConfig();
  const [setup, setSetup] = useState<Setup | null>(null);
  const [code, setCode] = useState("");
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<void>, fallback: string) {
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorMessage(err, fallback));
    }
  }

  const start = () =>
    run(async () => {
      const { data } = await api.post<Setup>("/auth/mfa/totp/setup");
      setSetup(data);
    }, "Could not start the setup.");

  const confirm = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    return run(async () => {
      const { data } = await api.post<{ recovery_codes: string[] }>("/auth/mfa/totp/confirm", { code });
      setRecoveryCodes(data.recovery_codes);
      setSetup(null);
      onChange();
    }, "That code did not match.");
  };

  const regenerate = () =>
    run(async () => {
      const { data } = await api.post<{ recovery_codes: string[] }>("/auth/mfa/recovery-codes");
      setRecoveryCodes(data.recovery_codes);
      onChange();
    }, "Could not make new recovery codes.");

  const remove = () =>
    run(async () => {
      await api.delete("/auth/mfa/totp");
      setRecoveryCodes(null);
      onChange();
    }, "Could not remove the authenticator app.");

  return (
    <div data-testid="totp-section">
      {recoveryCodes && (
        <div data-testid="recovery-codes">
          <p>Recovery codes: each works once. Keep them somewhere safe; they are not shown again.</p>
          <ul>
            {recoveryCodes.map((c) => (
              <li key={c} data-testid="recovery-code">
                {c}
              </li>
            ))}
          </ul>
        </div>
      )}
      {active ? (
        <>
          <p data-testid="totp-active">On. Recovery codes left: {codesLeft}.</p>
          <button type="button" onClick={regenerate}>
            New recovery codes
          </button>
          <button type="button" onClick={remove} data-testid="totp-remove">
            Remove
          </button>
        </>
      ) : setup ? (
        <form onSubmit={confirm} data-testid="totp-confirm-form">
          {/* The SVG comes from the API as text; shown as an image, it runs nothing. */}
          <img
            data-testid="totp-qr"
            alt="QR code for your authenticator app"
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qr_svg)}`}
            width={200}
            height={200}
          />
          <p>
            Or type this key: <code data-testid="totp-secret">{setup.secret}</code>
          </p>
          <label>
            Code from the app
            <input
              name="totp-code"
              inputMode="numeric"
              autoComplete="one-time-code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              required
            />
          </label>
          <button type="submit" data-testid="totp-confirm">
            Turn on
          </button>
        </form>
      ) : (
        <button type="button" onClick={start} data-testid="totp-setup">
          Set up an authenticator app
        </button>
      )}
      {error && (
        <p role="alert" className="error" data-testid="totp-error">
          {error}
        </p>
      )}
    </div>
  );
}
