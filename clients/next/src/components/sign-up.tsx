"use client";

/** <SignUp />: a new account (POST /auth/register), shown only when the server allows registration. */

import { type FormEvent, useState } from "react";
import { useAuth } from "../react.js";
import { useServerConfig } from "./config.js";
import { Alert, Button, type CommonProps, Field, type FinishProps, Root, useAction, useFinish, useTranslate } from "./ui.js";

export interface SignUpProps extends CommonProps, FinishProps {
  /** Where "already have an account?" points; null hides it. */
  signInUrl?: string | null;
}

export function SignUp({ locale, className, signInUrl = "/login", ...finishProps }: SignUpProps) {
  const t = useTranslate(locale);
  const auth = useAuth();
  const config = useServerConfig();
  const finish = useFinish(finishProps);
  const action = useAction(t);
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [mismatch, setMismatch] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (password !== repeat) {
      setMismatch(t("error.passwords_differ"));
      return;
    }
    setMismatch(null);
    const result = await action.run(() => auth.register(username, password, email.trim() || undefined), "error.sign_up_failed");
    if (result) finish();
  }

  if (!config) return <Root name="sign-up" locale={locale} className={className}><p className="fa-muted">{t("common.loading")}</p></Root>;
  return (
    <Root name="sign-up" locale={locale} className={className}>
      {config.registration ? (
        <form onSubmit={submit} data-testid="signup-form" className="fa-form" aria-label={t("signup.title")}>
          <Field label={t("field.username")} name="username" autoComplete="username" value={username} onChange={setUsername} required />
          {config.mail && (
            <Field label={t("field.email_optional")} name="email" type="email" autoComplete="email" value={email} onChange={setEmail} hint={t("signup.email_hint")} />
          )}
          <Field label={t("field.new_password")} name="password" type="password" autoComplete="new-password" value={password} onChange={setPassword} required />
          <Field label={t("field.repeat_password")} name="password_repeat" type="password" autoComplete="new-password" value={repeat} onChange={setRepeat} required error={mismatch} />
          <Button type="submit" pending={action.pending} pendingLabel={t("signup.submitting")} disabled={action.waiting}>
            {t("signup.submit")}
          </Button>
          <Alert message={action.error} testId="signup-error" />
        </form>
      ) : (
        <p data-testid="signup-closed">{t("signup.closed")}</p>
      )}
      {signInUrl && (
        <p className="fa-links">
          <a href={signInUrl}>{t("signup.have_account")}</a>
        </p>
      )}
    </Root>
  );
}
