"use client";

/**
 * The mailed ways: <ForgotPassword />, <ResetPassword />, <VerifyEmail />
 * and <MagicLink />. Opening a mailed link changes nothing: mail scanners
 * fetch links before people do, so a token is spent only when the person
 * presses the button, in the browser that then signs in.
 */

import { type FormEvent, type ReactNode, useEffect, useState } from "react";
import { useAuth } from "../react.js";
import { useServerConfig, useUrlParam } from "./config.js";
import type { MessageKey, Translate } from "./i18n.js";
import { SecondStep } from "./sign-in.js";
import { Alert, Button, type CommonProps, Field, type FinishProps, Root, Status, useAction, useFinish, useTranslate } from "./ui.js";
import { passkeysSupported } from "./webauthn.js";

/** An address in, "if it is yours, a mail is on its way" out: the same reply whether or not it exists. */
function EmailRequest({ t, testId, submit, send, sent, onSuccess }: { t: Translate; testId: string; submit: MessageKey; send: (email: string) => Promise<unknown>; sent: MessageKey; onSuccess?: () => void }) {
  const [email, setEmail] = useState("");
  const [done, setDone] = useState(false);
  const action = useAction(t);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if ((await action.run(() => send(email.trim()), "error.request_failed")) === undefined) return;
    setDone(true);
    onSuccess?.();
  }
  return (
    <>
      {!done && (
        <form onSubmit={onSubmit} data-testid={testId} className="fa-form" aria-label={t(submit)}>
          <Field label={t("field.email")} name="email" type="email" autoComplete="email" value={email} onChange={setEmail} required />
          <Button type="submit" pending={action.pending} disabled={action.waiting}>
            {t(submit)}
          </Button>
          <Alert message={action.error} testId={`${testId}-error`} />
        </form>
      )}
      <Status message={done ? t(sent) : ""} testId={done ? `${testId}-done` : undefined} />
    </>
  );
}

function Unavailable({ t }: { t: Translate }) {
  return <p data-testid="mail-unavailable">{t("mail.unavailable")}</p>;
}

/** `onSuccess` is called once the request is sent (the page stays, saying a mail is on its way). */
export function ForgotPassword({ locale, className, onSuccess }: CommonProps & { onSuccess?: () => void }) {
  const t = useTranslate(locale);
  const auth = useAuth();
  const config = useServerConfig();
  return (
    <Root name="forgot-password" locale={locale} className={className}>
      {config && !config.mail ? (
        <Unavailable t={t} />
      ) : (
        <>
          <p>{t("forgot.intro")}</p>
          <EmailRequest t={t} testId="forgot-form" submit="forgot.submit" sent="forgot.sent" send={auth.email.forgotPassword} onSuccess={onSuccess} />
        </>
      )}
    </Root>
  );
}

interface TokenProps extends CommonProps, FinishProps {
  /** The mailed token; default the page URL's `?token=`. */
  token?: string;
}

/** The token of the mailed link, or a sentence saying the link is cut short. */
function TokenGate({ t, token, children }: { t: Translate; token: string | undefined; children: ReactNode }) {
  if (token === undefined) return null;
  if (!token) return <Alert message={t("token.missing")} testId="token-missing" focus={false} />;
  return <>{children}</>;
}

export function ResetPassword({ locale, className, token: given, ...finishProps }: TokenProps) {
  const t = useTranslate(locale);
  const auth = useAuth();
  const token = useUrlParam("token", given);
  const finish = useFinish(finishProps);
  const action = useAction(t);
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if ((await action.run(() => auth.email.resetPassword(token ?? "", password), "error.link_failed")) === undefined) return;
    setDone(true);
    finish();
  }
  return (
    <Root name="reset-password" locale={locale} className={className}>
      <TokenGate t={t} token={token}>
        {!done && (
          <form onSubmit={submit} data-testid="reset-form" className="fa-form" aria-label={t("reset.submit")}>
            <Field label={t("field.new_password")} name="new_password" type="password" autoComplete="new-password" minLength={8} value={password} onChange={setPassword} required hint={t("reset.hint")} />
            <Button type="submit" pending={action.pending} disabled={action.waiting}>
              {t("reset.submit")}
            </Button>
            <Alert message={action.error} testId="reset-form-error" />
          </form>
        )}
        <Status message={done ? t("reset.done") : ""} testId={done ? "reset-form-done" : undefined} />
      </TokenGate>
    </Root>
  );
}

export function VerifyEmail({ locale, className, token: given, ...finishProps }: TokenProps) {
  const t = useTranslate(locale);
  const auth = useAuth();
  const token = useUrlParam("token", given);
  const finish = useFinish(finishProps);
  const action = useAction(t);
  const [done, setDone] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if ((await action.run(() => auth.email.verify(token ?? ""), "error.link_failed")) === undefined) return;
    setDone(true);
    finish();
  }
  return (
    <Root name="verify-email" locale={locale} className={className}>
      <TokenGate t={t} token={token}>
        {!done && (
          <form onSubmit={submit} data-testid="verify-form" className="fa-form" aria-label={t("verify.submit")}>
            <p>{t("verify.intro")}</p>
            <Button type="submit" pending={action.pending} disabled={action.waiting}>
              {t("verify.submit")}
            </Button>
            <Alert message={action.error} testId="verify-form-error" />
          </form>
        )}
        <Status message={done ? t("verify.done") : ""} testId={done ? "verify-form-done" : undefined} />
      </TokenGate>
    </Root>
  );
}

/** Without a token: ask for a sign-in link (`onSuccess` once it is sent). With one (the mailed link): sign in, with the second step when the account has one (`onSuccess`, then `redirectTo`). */
export function MagicLink({ locale, className, token: given, ...finishProps }: TokenProps) {
  const t = useTranslate(locale);
  const auth = useAuth();
  const config = useServerConfig();
  const token = useUrlParam("token", given);
  const finish = useFinish(finishProps);
  const action = useAction(t);
  const [methods, setMethods] = useState<string[] | null>(null);
  const [withPasskeys, setWithPasskeys] = useState(false);
  useEffect(() => setWithPasskeys(passkeysSupported()), []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = await action.run(() => auth.email.verifyMagicLink(token ?? ""), "error.link_failed");
    if (result?.kind === "mfa-required") setMethods(result.methods.length ? result.methods : ["totp", "recovery_code"]);
    else if (result) finish();
  }

  let body: ReactNode = null;
  if (methods) body = <SecondStep t={t} methods={methods} onDone={finish} withPasskeys={withPasskeys} />;
  else if (token)
    body = (
      <form onSubmit={submit} data-testid="magic-form" className="fa-form" aria-label={t("magic.sign_in")}>
        <p>{t("magic.press")}</p>
        <Button type="submit" pending={action.pending} disabled={action.waiting}>
          {t("magic.sign_in")}
        </Button>
        <Alert message={action.error} testId="magic-form-error" />
      </form>
    );
  else if (token === "" && config && !config.magic_links) body = <Unavailable t={t} />;
  else if (token === "")
    body = (
      <>
        <p>{t("magic.intro")}</p>
        <EmailRequest t={t} testId="magic-request-form" submit="magic.submit" sent="magic.sent" send={auth.email.requestMagicLink} onSuccess={finishProps.onSuccess} />
      </>
    );
  return (
    <Root name="magic-link" locale={locale} className={className}>
      {body}
    </Root>
  );
}
