"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useAuth, type SignInResult } from "@flask-auth/next/client";
import { errorMessage } from "@/lib/api";

type Step = { kind: "password" } | { kind: "second-factor"; methods: string[] };

export function LoginForm({ next }: { next: string }) {
  const auth = useAuth();
  const router = useRouter();
  const [step, setStep] = useState<Step>({ kind: "password" });
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [useRecovery, setUseRecovery] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  function after(result: SignInResult) {
    if (result.kind === "mfa-required") {
      // The API set an HttpOnly mfa_pending cookie; no session yet.
      setStep({ kind: "second-factor", methods: result.methods });
      setPending(false);
      return;
    }
    router.replace(next);
  }

  async function submit(event: FormEvent<HTMLFormElement>, action: () => Promise<SignInResult>, fallback: string) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      after(await action());
    } catch (err) {
      setError(errorMessage(err, fallback));
      setPending(false);
    }
  }

  if (step.kind === "second-factor") {
    const method = useRecovery ? "recovery_code" : "totp";
    return (
      <form
        onSubmit={(e) => submit(e, () => auth.verifySecondFactor(method, code.trim()), "The code was not accepted.")}
        data-testid="mfa-form"
      >
        <label>
          {useRecovery ? "Recovery code" : "Code from your authenticator app"}
          <input
            name="code"
            autoComplete="one-time-code"
            inputMode={useRecovery ? "text" : "numeric"}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            required
            autoFocus
          />
        </label>
        <button type="submit" disabled={pending}>
          {pending ? "Checking…" : "Continue"}
        </button>
        {step.methods.includes("recovery_code") && (
          <button type="button" onClick={() => setUseRecovery(!useRecovery)}>
            {useRecovery ? "Use the authenticator app" : "Use a recovery code"}
          </button>
        )}
        {error && (
          <p role="alert" className="error" data-testid="login-error">
            {error}
          </p>
        )}
      </form>
    );
  }

  return (
    <form onSubmit={(e) => submit(e, () => auth.login(username, password), "Login failed.")} data-testid="login-form">
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
  );
}
