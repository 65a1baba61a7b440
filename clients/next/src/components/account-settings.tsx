"use client";

/**
 * <AccountSettings />: every section the server has, each loading its own
 * data and hiding itself when its endpoint answers 404 (a server without
 * organisations or API keys, mail switched off).
 */

import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from "react";
import type { ApiKey, Identity, LiveSession, Organization, User } from "../types.js";
import { useAuth, useSession } from "../react.js";
import { AuthenticatorSection, PasskeysSection } from "./account-security.js";
import { useServerConfig } from "./config.js";
import { isMissing, isSignedOut } from "./errors.js";
import type { Translate } from "./i18n.js";
import { ActionError, Alert, Button, type CommonProps, Field, Root, Status, formatWhen, useAction, useTranslate } from "./ui.js";
import { browser } from "./navigation.js";

export const ACCOUNT_SECTIONS = ["profile", "email", "password", "sessions", "authenticator", "passkeys", "providers", "api-keys", "organizations"] as const;
export type AccountSection = (typeof ACCOUNT_SECTIONS)[number];

export interface AccountSettingsProps extends CommonProps {
  /** Which sections, in this order; default all. */
  sections?: readonly AccountSection[];
  /** Where a signed-out visitor is sent, with `?next=` this page. */
  signInUrl?: string;
  /** Scopes offered when making an API key (the API's own names); default a free text field. */
  apiKeyScopes?: string[];
}

function toSignIn(signInUrl: string) {
  const here = window.location.pathname + window.location.search;
  browser.replace(`${signInUrl}?next=${encodeURIComponent(here)}`);
}

export function AccountSettings({ locale, className, sections = ACCOUNT_SECTIONS, signInUrl = "/login", apiKeyScopes }: AccountSettingsProps) {
  const t = useTranslate(locale);
  const session = useSession();
  useEffect(() => {
    if (session.status === "unauthenticated") toSignIn(signInUrl);
  }, [session.status, signInUrl]);
  if (session.status === "error") return <Root name="account" locale={locale} className={className}><Alert message={t("error.network")} focus={false} /></Root>;
  if (session.status !== "authenticated") return <Root name="account" locale={locale} className={className}><p data-testid="session-loading" className="fa-muted">{t("common.loading")}</p></Root>;
  const user = session.user;
  const render: Record<AccountSection, () => ReactNode> = {
    profile: () => <ProfileSection t={t} user={user} />,
    email: () => <EmailSection t={t} user={user} />,
    password: () => <PasswordSection t={t} user={user} />,
    sessions: () => <SessionsSection t={t} locale={locale} signInUrl={signInUrl} />,
    authenticator: () => <AuthenticatorSection t={t} />,
    passkeys: () => <PasskeysSection t={t} locale={locale} />,
    providers: () => <ProvidersSection t={t} />,
    "api-keys": () => <ApiKeysSection t={t} locale={locale} scopes={apiKeyScopes} />,
    organizations: () => <OrganizationsSection t={t} />,
  };
  return (
    <Root name="account" locale={locale} className={className}>
      {sections.map((name) => (
        <div key={name} data-section={name}>
          {render[name]()}
        </div>
      ))}
    </Root>
  );
}

function ProfileSection({ t, user }: { t: Translate; user: User }) {
  return (
    <section aria-labelledby="fa-profile-heading" className="fa-section">
      <h2 id="fa-profile-heading">{t("profile.title")}</h2>
      <dl data-testid="profile" className="fa-details">
        <dt>{t("field.username")}</dt>
        <dd data-testid="current-username">{user.username}</dd>
        <dt>{t("profile.roles")}</dt>
        <dd>{user.roles.length ? user.roles.join(", ") : t("profile.no_roles")}</dd>
      </dl>
    </section>
  );
}

function EmailSection({ t, user }: { t: Translate; user: User }) {
  const auth = useAuth();
  const config = useServerConfig();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState("");
  const action = useAction(t);
  if (!config?.mail) return null;
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if ((await action.run(() => auth.email.set(email.trim()), "error.request_failed")) === undefined) return;
    setSent(t("email.sent", { email: email.trim() }));
    setEmail("");
  }
  return (
    <section aria-labelledby="fa-email-heading" className="fa-section">
      <h2 id="fa-email-heading">{t("email.title")}</h2>
      {user.email ? (
        <p data-testid="current-email">
          {user.email} <span className="fa-badge">{user.email_verified ? t("email.verified") : t("email.unverified")}</span>
        </p>
      ) : (
        <p className="fa-muted">{t("email.none")}</p>
      )}
      <form onSubmit={submit} data-testid="email-form" className="fa-form" aria-label={t("email.title")}>
        <Field label={t("email.new_label")} name="email" type="email" autoComplete="email" value={email} onChange={setEmail} required hint={t("email.hint")} />
        <Button type="submit" pending={action.pending} disabled={action.waiting}>
          {t("email.submit")}
        </Button>
      </form>
      <ActionError action={action} t={t} testId="email-form-error" onRetried={() => setSent(t("email.sent", { email }))} />
      <Status message={sent} testId={sent ? "email-form-done" : undefined} />
    </section>
  );
}

function PasswordSection({ t, user }: { t: Translate; user: User }) {
  const auth = useAuth();
  const config = useServerConfig();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [mismatch, setMismatch] = useState<string | null>(null);
  const [said, setSaid] = useState("");
  const action = useAction(t);

  if (user.has_password === false) {
    // Signed up through a provider: a password is set through a mailed link, like a reset.
    const email = typeof user.email === "string" && user.email_verified ? user.email : null;
    return (
      <section aria-labelledby="fa-password-heading" className="fa-section">
        <h2 id="fa-password-heading">{t("password.set_title")}</h2>
        {config?.mail && email ? (
          <>
            <p>{t("password.set_intro")}</p>
            <Button
              pending={action.pending}
              data-testid="set-password"
              onClick={async () => {
                if ((await action.run(() => auth.email.forgotPassword(email), "error.request_failed")) !== undefined) setSaid(t("password.set_sent"));
              }}
            >
              {t("password.set_submit")}
            </Button>
          </>
        ) : (
          <p className="fa-muted">{t("password.set_needs_email")}</p>
        )}
        <Alert message={action.error} />
        <Status message={said} />
      </section>
    );
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaid("");
    if (next !== repeat) {
      setMismatch(t("error.passwords_differ"));
      return;
    }
    setMismatch(null);
    if ((await action.run(() => auth.changePassword(current, next), "error.password_change_failed")) === undefined) return;
    setCurrent("");
    setNext("");
    setRepeat("");
    setSaid(t("password.changed"));
  }
  return (
    <section aria-labelledby="fa-password-heading" className="fa-section">
      <h2 id="fa-password-heading">{t("password.title")}</h2>
      <form onSubmit={submit} data-testid="password-form" className="fa-form" aria-label={t("password.title")}>
        <Field label={t("field.current_password")} name="current_password" type="password" autoComplete="current-password" value={current} onChange={setCurrent} required />
        <Field label={t("field.new_password")} name="new_password" type="password" autoComplete="new-password" value={next} onChange={setNext} required />
        <Field label={t("field.repeat_password")} name="new_password_repeat" type="password" autoComplete="new-password" value={repeat} onChange={setRepeat} required error={mismatch} />
        <Button type="submit" pending={action.pending} pendingLabel={t("password.changing")} disabled={action.waiting}>
          {t("password.submit")}
        </Button>
      </form>
      <Alert message={action.error} testId="password-error" />
      <Status message={said} testId="password-status" />
    </section>
  );
}

function SessionsSection({ t, locale, signInUrl }: { t: Translate; locale: string | undefined; signInUrl: string }) {
  const auth = useAuth();
  const [sessions, setSessions] = useState<LiveSession[] | null>(null);
  const [said, setSaid] = useState("");
  const action = useAction(t);

  const load = useCallback(async () => {
    try {
      setSessions(await auth.sessions());
    } catch (error) {
      if (isSignedOut(error)) toSignIn(signInUrl);
      else action.setError(t("error.generic"));
    }
  }, [auth, signInUrl, t, action.setError]);
  useEffect(() => {
    void load();
  }, [load]);

  async function end(session: LiveSession) {
    setSaid("");
    if (session.current) {
      await auth.logout().catch(() => undefined);
      browser.replace(signInUrl);
      return;
    }
    if ((await action.run(() => auth.endSession(session.id), "error.generic")) === undefined) return;
    setSaid(t("sessions.ended"));
    await load();
  }
  async function endAll() {
    if ((await action.run(() => auth.logoutAll(), "error.generic")) !== undefined) browser.replace(signInUrl);
  }

  const never = t("common.never");
  return (
    <section aria-labelledby="fa-sessions-heading" className="fa-section">
      <h2 id="fa-sessions-heading">{t("sessions.title")}</h2>
      {sessions === null && !action.error && <p className="fa-muted">{t("common.loading")}</p>}
      {sessions && (
        <ul data-testid="sessions" className="fa-list">
          {sessions.map((s) => {
            const device = s.user_agent || t("sessions.unknown_device");
            return (
              <li key={s.id} data-testid="session-row" data-session-id={s.id} data-current={s.current ? "true" : "false"}>
                <span>
                  {device}
                  {s.ip ? `, ${s.ip}` : ""}
                  {s.current && <strong> {t("sessions.this_device")}</strong>}
                  <br />
                  <small>{t("sessions.times", { created: formatWhen(s.created_at, locale, never), used: formatWhen(s.last_used_at, locale, never) })}</small>
                </span>
                <Button onClick={() => end(s)} disabled={action.pending} data-testid="end-session" aria-label={s.current ? t("sessions.end_this") : t("sessions.end_named", { device })}>
                  {t("sessions.end")}
                </Button>
              </li>
            );
          })}
        </ul>
      )}
      <div className="fa-actions">
        <Button onClick={() => void load()} disabled={action.pending} data-testid="reload-sessions">
          {t("sessions.reload")}
        </Button>
        <Button onClick={endAll} disabled={action.pending} data-testid="logout-all">
          {t("sessions.end_all")}
        </Button>
      </div>
      <Status message={said} testId="sessions-status" />
      <Alert message={action.error} testId="sessions-error" />
    </section>
  );
}

function ProvidersSection({ t }: { t: Translate }) {
  const auth = useAuth();
  const config = useServerConfig();
  const [identities, setIdentities] = useState<Identity[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [said, setSaid] = useState("");
  const action = useAction(t);
  const load = useCallback(async () => {
    try {
      setIdentities(await auth.providers.identities());
    } catch (error) {
      if (isMissing(error)) setMissing(true);
      else setIdentities([]);
    }
  }, [auth]);
  useEffect(() => {
    void load();
  }, [load]);

  const providers = config?.providers ?? [];
  if (missing || identities === null || (providers.length === 0 && identities.length === 0)) return null;
  const linked = new Set(identities.map((i) => i.provider));
  const labelOf = (i: Identity) => (typeof i.label === "string" ? i.label : providers.find((p) => p.name === i.provider)?.label ?? i.provider);
  async function link(name: string) {
    const url = await action.run(() => auth.providers.link(name), "error.provider_error");
    if (url) browser.assign(url);
  }
  async function unlink(identity: Identity) {
    if ((await action.run(() => auth.providers.unlink(identity.id), "error.generic")) === undefined) return;
    setSaid(t("providers.unlinked", { provider: labelOf(identity) }));
    await load();
  }
  return (
    <section aria-labelledby="fa-providers-heading" className="fa-section" data-testid="linked-identities">
      <h2 id="fa-providers-heading">{t("providers.title")}</h2>
      {identities.length > 0 && (
        <ul className="fa-list">
          {identities.map((i) => (
            <li key={String(i.id)} data-testid={`identity-${i.provider}`}>
              <span>
                {labelOf(i)}
                {typeof i.email === "string" && i.email ? ` (${i.email})` : ""}
              </span>
              <Button onClick={() => unlink(i)} aria-label={t("providers.unlink_named", { provider: labelOf(i) })} data-testid="identity-unlink">
                {t("providers.unlink")}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <div className="fa-actions">
        {providers
          .filter((p) => !linked.has(p.name))
          .map((p) => (
            <Button key={p.name} onClick={() => link(p.name)} data-testid={`link-${p.name}`}>
              {t("providers.link", { provider: p.label })}
            </Button>
          ))}
      </div>
      <ActionError action={action} t={t} testId="providers-error" onRetried={(url) => typeof url === "string" && browser.assign(url)} />
      <Status message={said} />
    </section>
  );
}

function ApiKeysSection({ t, locale, scopes: offered }: { t: Translate; locale: string | undefined; scopes?: string[] }) {
  const auth = useAuth();
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState("");
  const [made, setMade] = useState<string | null>(null);
  const [said, setSaid] = useState("");
  const action = useAction(t);
  const load = useCallback(async () => {
    try {
      setKeys(await auth.apiKeys.list());
    } catch (error) {
      // 404: no API keys on this server; 403: an impersonated session or an API key, which may not see them.
      if (isMissing(error) || (error as { status?: number }).status === 403) setMissing(true);
    }
  }, [auth]);
  useEffect(() => {
    void load();
  }, [load]);
  if (missing || keys === null) return null;

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const list = scopes.split(/[\s,]+/).filter(Boolean);
    const reply = await action.run(() => auth.apiKeys.create({ name: name.trim(), scopes: list }), "error.generic");
    if (!reply) return;
    setMade(reply.key);
    setName("");
    setScopes("");
    await load();
  }
  async function revoke(key: ApiKey) {
    if ((await action.run(() => auth.apiKeys.revoke(key.id), "error.generic")) === undefined) return;
    setSaid(t("apikeys.revoked", { name: key.name }));
    await load();
  }
  const never = t("common.never");
  return (
    <section aria-labelledby="fa-apikeys-heading" className="fa-section" data-testid="api-keys-section">
      <h2 id="fa-apikeys-heading">{t("apikeys.title")}</h2>
      {made && (
        <div className="fa-codes" data-testid="api-key-created">
          <p>{t("apikeys.shown_once")}</p>
          <code data-testid="api-key-value">{made}</code>
        </div>
      )}
      {keys.length === 0 ? (
        <p className="fa-muted">{t("apikeys.none")}</p>
      ) : (
        <ul className="fa-list" data-testid="api-key-list">
          {keys.map((k) => (
            <li key={String(k.id)} data-testid="api-key-item">
              <span>
                <strong>{k.name}</strong> <code>{k.prefix}…</code>
                <br />
                <small>
                  {t("apikeys.scopes", { scopes: k.scopes.join(", ") || "-" })} · {t("apikeys.last_used", { when: formatWhen(k.last_used_at, locale, never) })}
                  {k.expires_at ? ` · ${t("apikeys.expires", { when: formatWhen(k.expires_at, locale, never) })}` : ""}
                </small>
              </span>
              <Button onClick={() => revoke(k)} aria-label={t("apikeys.revoke_named", { name: k.name })} data-testid="api-key-revoke">
                {t("apikeys.revoke")}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={create} className="fa-form" aria-label={t("apikeys.create")} data-testid="api-key-form">
        <Field label={t("apikeys.name_label")} name="api-key-name" value={name} onChange={setName} required maxLength={100} autoComplete="off" />
        <Field
          label={t("apikeys.scopes_label")}
          name="api-key-scopes"
          value={scopes}
          onChange={setScopes}
          autoComplete="off"
          hint={offered?.length ? t("apikeys.scopes_offered", { scopes: offered.join(", ") }) : t("apikeys.scopes_hint")}
        />
        <Button type="submit" pending={action.pending}>
          {t("apikeys.create")}
        </Button>
      </form>
      <ActionError
        action={action}
        t={t}
        testId="api-keys-error"
        onRetried={(reply) => {
          const key = (reply as { key?: unknown }).key;
          if (typeof key === "string") setMade(key);
          void load();
        }}
      />
      <Status message={said} />
    </section>
  );
}

function OrganizationsSection({ t }: { t: Translate }) {
  const auth = useAuth();
  const [orgs, setOrgs] = useState<Organization[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [said, setSaid] = useState("");
  const action = useAction(t);
  const load = useCallback(async () => {
    try {
      const reply = await auth.orgs.list();
      setOrgs(reply.orgs);
    } catch (error) {
      if (isMissing(error)) setMissing(true);
    }
  }, [auth]);
  useEffect(() => {
    void load();
  }, [load]);
  if (missing || orgs === null) return null;

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const org = await action.run(() => auth.orgs.create(slug.trim(), name.trim()), "error.generic");
    if (!org) return;
    setSaid(t("orgs.created", { name: org.name }));
    setName("");
    setSlug("");
    await load();
  }
  async function leave(org: Organization) {
    if ((await action.run(() => auth.orgs.leave(org.slug), "error.generic")) === undefined) return;
    setSaid(t("orgs.left", { name: org.name }));
    await load();
  }
  return (
    <section aria-labelledby="fa-orgs-heading" className="fa-section" data-testid="orgs-section">
      <h2 id="fa-orgs-heading">{t("orgs.title")}</h2>
      {orgs.length === 0 ? (
        <p className="fa-muted">{t("orgs.none")}</p>
      ) : (
        <ul className="fa-list">
          {orgs.map((o) => (
            <li key={o.slug} data-testid="org-item">
              <span>
                <strong>{o.name}</strong> <code>{o.slug}</code>
                {o.role ? ` · ${t("orgs.role", { role: o.role })}` : ""}
              </span>
              <Button onClick={() => leave(o)} aria-label={t("orgs.leave_named", { name: o.name })}>
                {t("orgs.leave")}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={create} className="fa-form" aria-label={t("orgs.create")} data-testid="org-form">
        <Field label={t("orgs.name_label")} name="org-name" value={name} onChange={setName} required autoComplete="organization" />
        <Field label={t("orgs.slug_label")} name="org-slug" value={slug} onChange={setSlug} required autoComplete="off" hint={t("orgs.slug_hint")} pattern="[a-z0-9][a-z0-9-]*" />
        <Button type="submit" pending={action.pending}>
          {t("orgs.create")}
        </Button>
      </form>
      <Alert message={action.error} testId="orgs-error" />
      <Status message={said} />
    </section>
  );
}
