"use client";

/**
 * <SignIn />: password, passkey, identity providers and links to the mailed
 * ways in (each shown only when the server has it on), then the second step
 * when the account has a second factor.
 */

import { type FormEvent, useEffect, useState } from "react";
import type { SignInResult } from "../api-client.js";
import { useAuth } from "../react.js";
import { useServerConfig } from "./config.js";
import { codeMessage } from "./errors.js";
import type { Translate } from "./i18n.js";
import { Alert, Button, type CommonProps, Field, type FinishProps, Root, useAction, useFinish, useTranslate } from "./ui.js";
import { credentialJson, passkeysSupported, requestOptions } from "./webauthn.js";

export interface SignInProps extends CommonProps, FinishProps {
  /** Start at the second step (a provider or magic-link sign-in came back needing it: `?mfa=1`). */
  secondStep?: boolean;
  /** An `error` code the page was given in its URL (`?error=access_denied` from a provider). */
  errorCode?: string;
  /** Links beside the form; null hides one. Each also hides when the server has that way off. */
  forgotPasswordUrl?: string | null;
  magicLinkUrl?: string | null;
  signUpUrl?: string | null;
}

export function SignIn({
  locale,
  className,
  secondStep = false,
  errorCode,
  forgotPasswordUrl = "/forgot-password",
  magicLinkUrl = "/magic-link",
  signUpUrl = "/sign-up",
  ...finishProps
}: SignInProps) {
  const t = useTranslate(locale);
  const auth = useAuth();
  const config = useServerConfig();
  const finish = useFinish(finishProps);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [methods, setMethods] = useState<string[] | null>(secondStep ? ["totp", "recovery_code"] : null);
  const action = useAction(t);
  const [withPasskeys, setWithPasskeys] = useState(false);
  useEffect(() => setWithPasskeys(passkeysSupported()), []);

  const after = (result: SignInResult | undefined) => {
    if (!result) return;
    if (result.kind === "mfa-required") setMethods(result.methods.length ? result.methods : ["totp", "recovery_code"]);
    else finish();
  };

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    after(await action.run(() => auth.login(username, password), "error.sign_in_failed"));
  }

  if (methods) {
    return (
      <Root name="sign-in" locale={locale} className={className}>
        <SecondStep t={t} methods={methods} onDone={finish} withPasskeys={withPasskeys} />
      </Root>
    );
  }

  const links = [
    config?.mail && forgotPasswordUrl ? { href: forgotPasswordUrl, label: t("signin.forgot_password"), testId: "forgot-password-link" } : null,
    config?.magic_links && magicLinkUrl ? { href: magicLinkUrl, label: t("signin.magic_link"), testId: "magic-link-link" } : null,
    config?.registration && signUpUrl ? { href: signUpUrl, label: t("signin.sign_up"), testId: "sign-up-link" } : null,
  ].filter((link) => link !== null);

  return (
    <Root name="sign-in" locale={locale} className={className}>
      <Alert message={codeMessage(errorCode, t)} testId="signin-url-error" focus={false} />
      <form onSubmit={submit} data-testid="login-form" className="fa-form" aria-label={t("signin.title")}>
        <Field label={t("field.username")} name="username" autoComplete="username" value={username} onChange={setUsername} required />
        <Field label={t("field.password")} name="password" type="password" autoComplete="current-password" value={password} onChange={setPassword} required />
        <Button type="submit" pending={action.pending} pendingLabel={t("signin.submitting")} disabled={action.waiting}>
          {t("signin.submit")}
        </Button>
        <Alert message={action.error} testId="login-error" />
      </form>
      {config?.passkeys && withPasskeys && <PasskeyButton t={t} onResult={after} />}
      {config && config.providers.length > 0 && <ProviderLinks t={t} providers={config.providers} redirectTo={finishProps.redirectTo} />}
      {links.length > 0 && (
        <ul className="fa-links">
          {links.map((link) => (
            <li key={link.testId}>
              <a href={link.href} data-testid={link.testId}>
                {link.label}
              </a>
            </li>
          ))}
        </ul>
      )}
    </Root>
  );
}

/** "Sign in with a passkey": no username, no password (a discoverable credential). */
export function PasskeyButton({ t, onResult }: { t: Translate; onResult: (result: SignInResult | undefined) => void }) {
  const auth = useAuth();
  const action = useAction(t);
  async function signIn() {
    onResult(
      await action.run(async () => {
        const reply = await auth.passkeys.loginOptions();
        const options = (reply.options ?? reply) as Record<string, unknown>;
        const credential = (await navigator.credentials.get({ publicKey: requestOptions(options) })) as PublicKeyCredential | null;
        if (!credential) throw new DOMException("No passkey was chosen.", "NotAllowedError");
        return auth.passkeys.login(credentialJson(credential));
      }, "error.passkey_failed"),
    );
  }
  return (
    <div className="fa-passkey">
      <Button onClick={signIn} pending={action.pending} pendingLabel={t("passkey.waiting")} data-testid="passkey-login">
        {t("passkey.sign_in")}
      </Button>
      <Alert message={action.error} testId="passkey-error" />
    </div>
  );
}

function ProviderLinks({ t, providers, redirectTo }: { t: Translate; providers: { name: string; label: string }[]; redirectTo?: string }) {
  const auth = useAuth();
  // The provider sends the browser back to the API, which sends it on to this absolute URL.
  const next = new URL(redirectTo ?? "/", window.location.origin).toString();
  return (
    <nav aria-label={t("signin.providers")} data-testid="oidc-providers" className="fa-providers">
      <ul>
        {providers.map((provider) => (
          <li key={provider.name}>
            <a className="fa-button fa-provider" data-testid={`oidc-${provider.name}`} href={auth.providers.startUrl(provider.name, next)}>
              {t("signin.continue_with", { provider: provider.label })}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * The second step: the server answered `mfa_required` and set the HttpOnly
 * `mfa_pending` cookie; a code from the authenticator app, a recovery code or
 * a passkey finishes it.
 */
export function SecondStep({ t, methods, onDone, withPasskeys }: { t: Translate; methods: string[]; onDone: () => void; withPasskeys: boolean }) {
  const auth = useAuth();
  const codes = methods.includes("totp") || methods.includes("recovery_code");
  const [method, setMethod] = useState<"totp" | "recovery_code">(methods.includes("totp") ? "totp" : "recovery_code");
  const [code, setCode] = useState("");
  const action = useAction(t);
  const passkey = methods.includes("passkey") && withPasskeys;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = await action.run(() => auth.verifySecondFactor(method, code.trim()), "error.mfa_failed");
    if (result?.kind === "signed-in") onDone();
  }

  return (
    <>
      <h2 className="fa-heading">{t("mfa.title")}</h2>
      {codes ? (
        <form onSubmit={submit} data-testid="mfa-form" className="fa-form" aria-label={t("mfa.title")}>
          <Field
            label={method === "totp" ? t("mfa.totp_label") : t("mfa.recovery_label")}
            name="code"
            autoComplete="one-time-code"
            inputMode={method === "totp" ? "numeric" : "text"}
            value={code}
            onChange={setCode}
            required
            autoFocus
          />
          <Button type="submit" pending={action.pending} pendingLabel={t("mfa.checking")} disabled={action.waiting}>
            {t("mfa.submit")}
          </Button>
          {methods.includes("totp") && (
            <Button
              className="fa-link-button"
              data-testid="use-recovery-code"
              onClick={() => {
                setMethod(method === "totp" ? "recovery_code" : "totp");
                setCode("");
              }}
            >
              {method === "totp" ? t("mfa.use_recovery") : t("mfa.use_totp")}
            </Button>
          )}
          <Alert message={action.error} testId="mfa-error" />
        </form>
      ) : (
        <p data-testid="mfa-passkey">{t("mfa.passkey_only")}</p>
      )}
      {(passkey || !codes) && <PasskeyButton t={t} onResult={(result) => result?.kind === "signed-in" && onDone()} />}
    </>
  );
}
