"use client";

// The forms behind the pages that mailed links open (EMAIL_LINK_URL points
// the API's links here: /reset-password, /verify-email and /magic-link, each
// with ?token=...). Opening a page changes nothing: mail scanners fetch links
// before people do, so the token is only spent when the person presses the
// button, from this browser, which is the one that gets signed in.

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { errorMessage } from "@/lib/api";
import { useConfig } from "./config-provider";

/** Ask the API to mail something to an address; the reply is the same whether or not it exists. */
export function EmailRequestForm({ endpoint, button, testId }: { endpoint: string; button: string; testId: string }) {
  const { api } = useConfig();
  const [email, setEmail] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const { data } = await api.post<{ message: string }>(endpoint, { email });
      setDone(data.message);
    } catch (err) {
      setError(errorMessage(err, "The request failed."));
    } finally {
      setPending(false);
    }
  }

  if (done) {
    return (
      <p role="status" data-testid={`${testId}-done`}>
        {done}
      </p>
    );
  }
  return (
    <form onSubmit={handleSubmit} data-testid={testId}>
      <label>
        Email address
        <input name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
      </label>
      <button type="submit" disabled={pending}>
        {button}
      </button>
      {error && (
        <p role="alert" className="error" data-testid={`${testId}-error`}>
          {error}
        </p>
      )}
    </form>
  );
}

interface TokenFormProps {
  endpoint: string;
  token: string;
  button: string;
  testId: string;
  /** Ask for a new password and send it as new_password. */
  newPassword?: boolean;
  /** Where to go on success; without it, the API's message is shown. */
  then?: string;
}

/** Spend a mailed token: the POST that confirms an address, resets a password or signs in. */
export function TokenForm({ endpoint, token, button, testId, newPassword = false, then }: TokenFormProps) {
  const { api } = useConfig();
  const router = useRouter();
  const [password, setPassword] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const body = newPassword ? { token, new_password: password } : { token };
      const { data } = await api.post<{ message: string }>(endpoint, body);
      if (then) {
        router.replace(then);
        return;
      }
      setDone(data.message);
    } catch (err) {
      setError(errorMessage(err, "This link could not be used."));
    }
    setPending(false);
  }

  if (!token) {
    return <p className="error">This link is incomplete; open the whole link from the mail.</p>;
  }
  if (done) {
    return (
      <p role="status" data-testid={`${testId}-done`}>
        {done}
      </p>
    );
  }
  return (
    <form onSubmit={handleSubmit} data-testid={testId}>
      {newPassword && (
        <label>
          New password
          <input
            name="new_password"
            type="password"
            autoComplete="new-password"
            minLength={8}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
      )}
      <button type="submit" disabled={pending}>
        {button}
      </button>
      {error && (
        <p role="alert" className="error" data-testid={`${testId}-error`}>
          {error}
        </p>
      )}
    </form>
  );
}
