"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { errorMessage } from "@/lib/api";
import { useConfig } from "../config-provider";
import { PasskeyButton } from "./passkey-button";
import { SecondStep } from "./second-step";

export function LoginForm({ next, mfa = false }: { next: string; mfa?: boolean }) {
  const { api } = useConfig();
  const router = useRouter();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // The API answered mfa_required (or sent the browser here with ?mfa=1).
  const [secondStep, setSecondStep] = useState(mfa);
  // The second factors on offer; unknown (after ?mfa=1) means a code.
  const [methods, setMethods] = useState<string[]>(["totp", "recovery_code"]);
  const done = () => router.replace(next);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      // JSON body, cookies accepted from the API's reply (withCredentials).
      const { data } = await api.post("/auth/login", { username, password });
      if (data.mfa_required) {
        setMethods(data.methods ?? []);
        setSecondStep(true);
        setPending(false);
        return;
      }
      done();
    } catch (err) {
      setError(errorMessage(err, "Login failed."));
      setPending(false);
    }
  }

  if (secondStep) {
    const passkey = <PasskeyButton onDone={done} onSecondStep={() => setMethods(["totp", "recovery_code"])} />;
    if (!methods.includes("totp")) {
      return (
        <>
          <p data-testid="mfa-passkey">Your account has a passkey: use it to finish signing in.</p>
          {passkey}
        </>
      );
    }
    return (
      <>
        <SecondStep onDone={done} />
        {methods.includes("passkey") && passkey}
      </>
    );
  }

  return (
    <>
    <form onSubmit={handleSubmit} data-testid="login-form">
      <label>
        Username
        <input
          name="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
        />
      </label>
      <label>
        Password
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      <button type="submit" disabled={pending}>
        {pending ? "Logging in…" : "Log in"}
      </button>
      {error && (
        <p role="alert" className="error" data-testid="login-error">
          {error}
        </p>
      )}
    </form>
    <PasskeyButton onDone={done} onSecondStep={() => setSecondStep(true)} />
    </>
  );
}
