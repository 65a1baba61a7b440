"use client";

import { useState, type FormEvent } from "react";
import { useAuth } from "@flask-auth/next/client";
import { errorMessage } from "@/lib/api";

/** Change the password; the API signs out every other session of the user. */
export function PasswordSection() {
  const auth = useAuth();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState("");
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setDone("");
    if (next !== repeat) {
      setError("The new passwords do not match.");
      return;
    }
    setPending(true);
    try {
      await auth.changePassword(current, next);
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone("Your password was changed. Your other sessions were signed out.");
    } catch (err) {
      setError(errorMessage(err, "Could not change the password."));
    } finally {
      setPending(false);
    }
  }

  return (
    <section aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <form onSubmit={submit} data-testid="password-form" aria-describedby={error ? "password-error" : undefined}>
        <label>
          Current password
          <input
            type="password"
            name="current_password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            required
          />
        </label>
        <label>
          New password
          <input
            type="password"
            name="new_password"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
            required
          />
        </label>
        <label>
          New password again
          <input
            type="password"
            name="new_password_repeat"
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            required
          />
        </label>
        <button type="submit" disabled={pending}>
          {pending ? "Changing…" : "Change password"}
        </button>
      </form>
      <p role="status" aria-live="polite" data-testid="password-status">
        {done}
      </p>
      {error && (
        <p role="alert" className="error" id="password-error" data-testid="password-error">
          {error}
        </p>
      )}
    </section>
  );
}
