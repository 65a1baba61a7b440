"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { errorMessage } from "@/lib/api";
import { useConfig } from "../config-provider";

export function LoginForm({ next }: { next: string }) {
  const { api } = useConfig();
  const router = useRouter();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      // JSON body, cookies accepted from the API's reply (withCredentials).
      await api.post("/auth/login", { username, password });
      router.replace(next);
    } catch (err) {
      setError(errorMessage(err, "Login failed."));
      setPending(false);
    }
  }

  return (
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
  );
}
