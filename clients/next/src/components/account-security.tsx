"use client";

/** The second-factor sections of <AccountSettings />: the authenticator app (with its QR code), recovery codes, passkeys. */

import { type FormEvent, useCallback, useEffect, useState } from "react";
import type { MfaStatusReply, Passkey } from "../types.js";
import { useAuth } from "../react.js";
import type { Translate } from "./i18n.js";
import { ActionError, Button, Field, Status, formatWhen, useAction } from "./ui.js";
import { creationOptions, credentialJson, passkeysSupported } from "./webauthn.js";

interface Setup {
  secret: string;
  otpauth_uri: string;
  qr_svg: string;
}

export function AuthenticatorSection({ t }: { t: Translate }) {
  const auth = useAuth();
  const [status, setStatus] = useState<MfaStatusReply | null>(null);
  const [setup, setSetup] = useState<Setup | null>(null);
  const [code, setCode] = useState("");
  const [codes, setCodes] = useState<string[] | null>(null);
  const [said, setSaid] = useState("");
  const action = useAction(t);
  const load = useCallback(async () => setStatus(await auth.mfa.status().catch(() => null)), [auth]);
  useEffect(() => {
    void load();
  }, [load]);

  const start = async () => {
    const reply = await action.run(() => auth.mfa.setupTotp(), "error.generic");
    if (reply) setSetup(reply);
  };
  const confirm = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const reply = await action.run(() => auth.mfa.confirmTotp(code.trim()), "error.code_mismatch");
    if (!reply) return;
    setCodes(reply.recovery_codes ?? []);
    setSetup(null);
    setCode("");
    setSaid(t("totp.on_now"));
    await load();
  };
  const regenerate = async () => {
    const reply = await action.run(() => auth.mfa.newRecoveryCodes(), "error.generic");
    if (!reply) return;
    setCodes(reply.recovery_codes);
    setSaid(t("recovery.new_made"));
    await load();
  };
  const remove = async () => {
    if ((await action.run(() => auth.mfa.disableTotp(), "error.generic")) === undefined) return;
    setCodes(null);
    setSaid(t("totp.off_now"));
    await load();
  };
  const retried = (result: unknown) => {
    const reply = result as Partial<Setup & { recovery_codes: string[] }>;
    if (reply.qr_svg && reply.secret && reply.otpauth_uri) setSetup(reply as Setup);
    else if (reply.recovery_codes) setCodes(reply.recovery_codes);
    void load();
  };

  if (!status) return null;
  return (
    <section aria-labelledby="fa-totp-heading" className="fa-section" data-testid="totp-section">
      <h2 id="fa-totp-heading">{t("totp.title")}</h2>
      {codes && (
        <div data-testid="recovery-codes" className="fa-codes">
          <p>{t("recovery.shown_once")}</p>
          <ul>
            {codes.map((c) => (
              <li key={c} data-testid="recovery-code">
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {status.totp ? (
        <>
          <p data-testid="totp-active">{t("totp.active", { count: status.recovery_codes_left ?? 0 })}</p>
          <div className="fa-actions">
            <Button onClick={regenerate} pending={action.pending} data-testid="recovery-regenerate">
              {t("recovery.regenerate")}
            </Button>
            <Button onClick={remove} pending={action.pending} data-testid="totp-remove">
              {t("totp.remove")}
            </Button>
          </div>
        </>
      ) : setup ? (
        <form onSubmit={confirm} data-testid="totp-confirm-form" className="fa-form" aria-label={t("totp.title")}>
          {/* The SVG comes from the server as text; shown as an image, it runs nothing. */}
          <img
            data-testid="totp-qr"
            alt={t("totp.qr_alt")}
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qr_svg)}`}
            width={200}
            height={200}
          />
          <p>
            {t("totp.type_key")} <code data-testid="totp-secret">{setup.secret}</code>
          </p>
          <Field label={t("totp.code_label")} name="totp-code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={setCode} required />
          <Button type="submit" pending={action.pending} data-testid="totp-confirm">
            {t("totp.turn_on")}
          </Button>
        </form>
      ) : (
        <Button onClick={start} pending={action.pending} data-testid="totp-setup">
          {t("totp.set_up")}
        </Button>
      )}
      <ActionError action={action} t={t} testId="totp-error" onRetried={retried} />
      <Status message={said} />
    </section>
  );
}

export function PasskeysSection({ t, locale }: { t: Translate; locale: string | undefined }) {
  const auth = useAuth();
  const [passkeys, setPasskeys] = useState<Passkey[] | null>(null);
  const [name, setName] = useState("");
  const [said, setSaid] = useState("");
  const [supported, setSupported] = useState(false);
  const action = useAction(t);
  const load = useCallback(async () => setPasskeys(await auth.passkeys.list().catch(() => null)), [auth]);
  useEffect(() => {
    setSupported(passkeysSupported());
    void load();
  }, [load]);

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const added = await action.run(async () => {
      const reply = await auth.passkeys.registrationOptions();
      const options = (reply.options ?? reply) as Record<string, unknown>;
      const credential = (await navigator.credentials.create({ publicKey: creationOptions(options) })) as PublicKeyCredential | null;
      if (!credential) throw new DOMException("No passkey was made.", "NotAllowedError");
      return auth.passkeys.register(credentialJson(credential), name.trim() || t("passkeys.default_name"));
    }, "error.passkey_failed");
    if (!added) return;
    setName("");
    setSaid(t("passkeys.added"));
    await load();
  }
  async function remove(passkey: Passkey) {
    if ((await action.run(() => auth.passkeys.remove(passkey.id), "error.generic")) === undefined) return;
    setSaid(t("passkeys.removed"));
    await load();
  }

  if (!passkeys) return null;
  return (
    <section aria-labelledby="fa-passkeys-heading" className="fa-section" data-testid="passkeys-section">
      <h2 id="fa-passkeys-heading">{t("passkeys.title")}</h2>
      {passkeys.length === 0 ? (
        <p className="fa-muted">{t("passkeys.none")}</p>
      ) : (
        <ul data-testid="passkey-list" className="fa-list">
          {passkeys.map((p) => (
            <li key={p.id} data-testid="passkey-item">
              <span>
                <span data-testid="passkey-name">{p.name ?? t("passkeys.default_name")}</span>
                <br />
                <small>{t("passkeys.added_on", { when: formatWhen(p.created_at, locale, t("common.never")) })}</small>
              </span>
              <Button onClick={() => remove(p)} data-testid="passkey-remove" aria-label={t("passkeys.remove_named", { name: p.name ?? "" })}>
                {t("common.remove")}
              </Button>
            </li>
          ))}
        </ul>
      )}
      {supported && (
        <form onSubmit={add} className="fa-form" aria-label={t("passkeys.add")}>
          <Field label={t("passkeys.name_label")} name="passkey-name" value={name} onChange={setName} maxLength={64} autoComplete="off" />
          <Button type="submit" pending={action.pending} pendingLabel={t("passkey.waiting")} data-testid="passkey-add">
            {t("passkeys.add")}
          </Button>
        </form>
      )}
      <ActionError action={action} t={t} testId="passkey-error" onRetried={() => void load()} />
      <Status message={said} />
    </section>
  );
}
