"use client";

/**
 * The building blocks every component shares: the root element (class names,
 * `lang`), labelled fields, the error that takes focus, the polite status
 * line, and the hook that runs a server call with pending, error and
 * Retry-After state.
 */

import { type ReactNode, useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { useAuth } from "../react.js";
import { describeError } from "./errors.js";
import { browser } from "./navigation.js";
import { type MessageKey, type Translate, resolveLocale, translator } from "./i18n.js";

/** Props every component takes. */
export interface CommonProps {
  /** A catalogue's language: `en`, `de`, `fr`, `es` (or `de-AT`, which falls back to `de`). Default `en`. */
  locale?: string;
  /** Added to the component's root element, beside `fa-root fa-<name>`. */
  className?: string;
}

/** Props of the components that finish something (a sign-in, a reset, ...). */
export interface FinishProps {
  /** Called when it is done, before any redirect. */
  onSuccess?: () => void;
  /** Where the browser goes when it is done (a full navigation, so the server sees the new cookies). */
  redirectTo?: string;
}

export function useTranslate(locale: string | undefined): Translate {
  return useMemo(() => translator(locale), [locale]);
}

/** onSuccess, then redirectTo. */
export function useFinish({ onSuccess, redirectTo }: FinishProps): () => void {
  return useCallback(() => {
    onSuccess?.();
    if (redirectTo) browser.replace(redirectTo);
  }, [onSuccess, redirectTo]);
}

export function Root({
  name,
  locale,
  className,
  children,
}: CommonProps & { name: string; children: ReactNode }) {
  const classes = ["fa-root", `fa-${name}`, className].filter(Boolean).join(" ");
  return (
    <div className={classes} lang={locale ? resolveLocale(locale) : undefined} data-flask-auth={name}>
      {children}
    </div>
  );
}

export interface FieldProps {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  type?: string;
  autoComplete?: string;
  required?: boolean;
  /** A sentence under the field, linked with aria-describedby. */
  hint?: string;
  /** This field's own error: aria-invalid, the sentence under it, and focus when it appears. */
  error?: string | null;
  inputMode?: "numeric" | "text" | "email";
  minLength?: number;
  maxLength?: number;
  autoFocus?: boolean;
  pattern?: string;
}

export function Field({ label, name, value, onChange, error, hint, ...input }: FieldProps) {
  const id = useId();
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (error) ref.current?.focus();
  }, [error]);
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div className="fa-field">
      <label htmlFor={id}>{label}</label>
      <input
        ref={ref}
        id={id}
        name={name}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        {...input}
      />
      {hint && (
        <p className="fa-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="fa-field-error" id={`${id}-error`}>
          <span aria-hidden="true">⚠ </span>
          {error}
        </p>
      )}
    </div>
  );
}

/** A failure: announced (role="alert"), marked with a sign as well as colour, and focused so keyboard users land on it. */
export function Alert({ message, testId, focus = true }: { message: string | null | undefined; testId?: string; focus?: boolean }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (message && focus) ref.current?.focus();
  }, [message, focus]);
  if (!message) return null;
  return (
    <p ref={ref} role="alert" tabIndex={-1} className="fa-error" data-testid={testId}>
      <span aria-hidden="true" className="fa-sign">
        ⚠{" "}
      </span>
      {message}
    </p>
  );
}

/** A polite live region: always in the page (a region added with its text is not announced). */
export function Status({ message, testId }: { message: string | null | undefined; testId?: string }) {
  return (
    <p role="status" aria-live="polite" className="fa-status" data-testid={testId}>
      {message ?? ""}
    </p>
  );
}

export function Button({
  children,
  pending,
  pendingLabel,
  ...rest
}: {
  children: ReactNode;
  pending?: boolean;
  pendingLabel?: string;
  type?: "button" | "submit";
  onClick?: () => void;
  disabled?: boolean;
  className?: string;
  "data-testid"?: string;
  "aria-label"?: string;
}) {
  return (
    <button type={rest.type ?? "button"} {...rest} disabled={rest.disabled || pending} aria-busy={pending || undefined} className={["fa-button", rest.className].filter(Boolean).join(" ")}>
      {pending && pendingLabel ? pendingLabel : children}
    </button>
  );
}

export interface Action {
  pending: boolean;
  error: string | null;
  code: string | undefined;
  /** True while a 429's Retry-After lasts: the submit stays disabled. */
  waiting: boolean;
  /** Run `call`; its failure becomes `error` (translated). Resolves to the result, or undefined after a failure. */
  run: <T>(call: () => Promise<T>, fallback: MessageKey) => Promise<T | undefined>;
  setError: (message: string | null) => void;
  /** The last call that failed with reauth_required, to run again after the user confirms who they are. */
  retry: (() => Promise<unknown>) | null;
}

export function useAction(t: Translate): Action {
  const [pending, setPending] = useState(false);
  const [error, setErrorState] = useState<string | null>(null);
  const [code, setCode] = useState<string | undefined>();
  const [waiting, setWaiting] = useState(false);
  const [retry, setRetry] = useState<(() => Promise<unknown>) | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const setError = useCallback((message: string | null) => {
    setErrorState(message);
    setCode(undefined);
    setRetry(null);
  }, []);

  const run = useCallback(
    async <T,>(call: () => Promise<T>, fallback: MessageKey): Promise<T | undefined> => {
      setPending(true);
      setErrorState(null);
      setCode(undefined);
      setRetry(null);
      try {
        return await call();
      } catch (failure) {
        const described = describeError(failure, t, fallback);
        setErrorState(described.message);
        setCode(described.code);
        if (described.code === "reauth_required") setRetry(() => call);
        if (described.retryAfter) {
          setWaiting(true);
          clearTimeout(timer.current);
          timer.current = setTimeout(() => setWaiting(false), described.retryAfter * 1000);
        }
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [t],
  );
  return { pending, error, code, waiting, run, setError, retry };
}

/**
 * The error of an account action; when the server wants a recent sign-in
 * (`reauth_required`), a password prompt that confirms it and runs the
 * action again.
 */
export function ActionError({ action, t, testId, onRetried }: { action: Action; t: Translate; testId?: string; onRetried?: (result: unknown) => void }) {
  const auth = useAuth();
  const [password, setPassword] = useState("");
  const confirm = useAction(t);
  if (action.code !== "reauth_required" || !action.retry) return <Alert message={action.error} testId={testId} />;
  const retry = action.retry;
  return (
    <form
      className="fa-reauth"
      data-testid="reauth-form"
      onSubmit={async (event) => {
        event.preventDefault();
        const ok = await confirm.run(() => auth.reauthenticate({ password }), "error.reauth_failed");
        if (ok === undefined) return;
        setPassword("");
        const result = await action.run(retry, "error.generic");
        if (result !== undefined) onRetried?.(result);
      }}
    >
      <Alert message={action.error} testId={testId} />
      <Field label={t("reauth.password")} name="reauth-password" type="password" autoComplete="current-password" value={password} onChange={setPassword} required />
      <Button type="submit" pending={confirm.pending || action.pending}>
        {t("reauth.submit")}
      </Button>
      <Alert message={confirm.error} testId="reauth-error" />
    </form>
  );
}

/** Seconds or an ISO date from the server, as the reader's locale writes a date. */
export function formatWhen(value: string | number | null | undefined, locale: string | undefined, never: string): string {
  if (value === null || value === undefined || value === "") return never;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString(locale ? resolveLocale(locale) : undefined);
}
