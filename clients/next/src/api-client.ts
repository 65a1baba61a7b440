/**
 * The browser's client of the API: `authFetch` (cookies included, one
 * refresh and one retry on a 401, coordinated across tabs) and a typed call
 * for every endpoint of SPEC.md.
 */

import { createRefreshCoordinator, type RefreshCoordinator, type RefreshCoordinatorOptions } from "./refresh.js";
import type {
  ActiveOrgReply,
  ApiKeyCreatedReply,
  ApiKeysReply,
  IdentitiesReply,
  InvitationCreatedReply,
  InvitationsReply,
  LinkReply,
  MeReply,
  NewApiKey,
  MfaStatusReply,
  Organization,
  OrganizationsReply,
  OrgDetailReply,
  OrgMembersReply,
  OrgReply,
  PasskeysReply,
  ProvidersReply,
  RecoveryCodesReply,
  Reply,
  ServerConfigReply,
  SecondFactorMethod,
  SessionsReply,
  SignInReply,
  TotpSetupReply,
  WebAuthnOptionsReply,
} from "./types.js";
import { trimSlash } from "./urls.js";

/** A reply with status >= 400, with the server's sentence as the message. */
export class AuthApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
    /** Seconds from the reply's Retry-After (a 429 or 503), when it had one. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "AuthApiError";
  }

  /** The server's stable `error` code (`reauth_required`, ...), when the reply had one. */
  get code(): string | undefined {
    const code = (this.body as { error?: unknown } | null)?.error;
    return typeof code === "string" && code ? code : undefined;
  }
}

function retryAfterSeconds(response: Response): number | undefined {
  const value = response.headers?.get?.("retry-after");
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : Math.ceil((Date.parse(value) - Date.now()) / 1000);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

export interface AuthClientOptions {
  /** The API's origin as the browser reaches it. */
  apiUrl: string;
  fetch?: typeof fetch;
  /** Cross-tab coordination; see createRefreshCoordinator (defaults: navigator.locks, BroadcastChannel). */
  locks?: RefreshCoordinatorOptions["locks"];
  channel?: RefreshCoordinatorOptions["channel"];
  now?: () => number;
  settleMs?: number;
  /** Called when a 401 could not be cured by a refresh: the session is over. */
  onSignedOut?: () => void;
}

/** The result of the first step of a sign-in. */
export type SignInResult = { kind: "signed-in" } | { kind: "mfa-required"; methods: string[] };

/** 401s from these paths say something about the request, not about an expired access token. */
const NO_REFRESH = [
  "/auth/login",
  "/auth/refresh",
  "/auth/logout",
  "/auth/register",
  "/auth/mfa/verify",
  "/auth/magic-link/verify",
  "/auth/passkeys/login",
  "/auth/passkeys/login/options",
  "/auth/password/reset",
  "/auth/password/forgot",
];

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function createAuthClient(options: AuthClientOptions) {
  const apiUrl = trimSlash(options.apiUrl);
  const fetchImpl = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const now = options.now ?? Date.now;
  let csrfToken: string | undefined;
  const orgListeners = new Set<(slug: string | null) => void>();

  const rememberCsrf = (body: unknown) => {
    const token = (body as { csrf_token?: unknown } | null)?.csrf_token;
    if (typeof token === "string" && token) csrfToken = token;
  };

  function send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has("accept")) headers.set("accept", "application/json");
    if (csrfToken && UNSAFE.has((init.method ?? "GET").toUpperCase())) headers.set("x-csrf-token", csrfToken);
    const url = /^https?:\/\//.test(path) ? path : `${apiUrl}${path}`;
    return fetchImpl(url, { ...init, headers, credentials: "include", cache: "no-store" });
  }

  const coordinator: RefreshCoordinator = createRefreshCoordinator({
    locks: options.locks,
    channel: options.channel,
    now,
    settleMs: options.settleMs,
    onOutcome: (outcome) => {
      if (outcome.csrfToken) csrfToken = outcome.csrfToken;
      if (outcome.org !== undefined) orgListeners.forEach((listener) => listener(outcome.org ?? null));
    },
    async refresh() {
      try {
        const response = await send("/auth/refresh", { method: "POST" });
        const body = (await response.json().catch(() => null)) as { csrf_token?: string } | null;
        return { ok: response.ok, ...(body?.csrf_token ? { csrfToken: body.csrf_token } : {}) };
      } catch {
        return { ok: false };
      }
    },
  });

  /**
   * fetch against the API with its cookies. On a 401 (an expired access
   * token), one refresh (shared with every tab) and one retry; when the
   * refresh fails too, the 401 is returned and onSignedOut is called.
   * The body must be re-sendable (a string, FormData, URLSearchParams, Blob).
   */
  async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
    const startedAt = now();
    const response = await send(path, init);
    const pathname = new URL(path, `${apiUrl}/`).pathname;
    if (response.status !== 401 || NO_REFRESH.includes(pathname)) return response;
    if (await coordinator.refreshAfter(startedAt)) {
      const retried = await send(path, init);
      if (retried.status !== 401) return retried;
    }
    options.onSignedOut?.();
    return response;
  }

  /** authFetch with a JSON body; the parsed reply, or AuthApiError. */
  async function call<T extends Reply>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    let response: Response;
    try {
      response = await authFetch(path, init);
    } catch {
      throw new AuthApiError(0, "The authentication server could not be reached.", null);
    }
    const parsed = (await response.json().catch(() => null)) as T | null;
    if (!response.ok) {
      const message = (parsed as { message?: unknown } | null)?.message;
      throw new AuthApiError(
        response.status,
        typeof message === "string" && message ? message : `The server answered ${response.status}.`,
        parsed,
        retryAfterSeconds(response),
      );
    }
    rememberCsrf(parsed);
    return (parsed ?? { success: true }) as T;
  }

  const signInResult = (reply: SignInReply): SignInResult =>
    reply.mfa_required ? { kind: "mfa-required", methods: reply.methods ?? [] } : { kind: "signed-in" };

  const encode = encodeURIComponent;

  /**
   * Make `slug` (or null: none) the session's active organisation. The API
   * sets a new access token whose `org` claim names it; this runs under the
   * cross-tab refresh lock (one token change at a time in the browser) and
   * tells every tab, whose useOrganization() then reloads.
   */
  async function switchOrganization(slug: string | null): Promise<Organization | null> {
    const attempt = () =>
      coordinator.exclusive(async () => {
        const response = await send("/auth/orgs/active", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ org: slug }),
        });
        const body = (await response.json().catch(() => null)) as ActiveOrgReply | null;
        const outcome = response.ok ? { ok: true, org: body?.org?.slug ?? null } : null;
        return { value: { response, body }, outcome };
      });
    const startedAt = now();
    let { response, body } = await attempt();
    if (response.status === 401 && (await coordinator.refreshAfter(startedAt))) {
      ({ response, body } = await attempt());
    }
    if (!response.ok) {
      const message = (body as { message?: unknown } | null)?.message;
      throw new AuthApiError(response.status, typeof message === "string" ? message : `The server answered ${response.status}.`, body);
    }
    return body?.org ?? null;
  }

  return {
    apiUrl,
    authFetch,
    call,
    /** Refresh now (or re-use another tab's refresh that is newer than `since`). */
    refresh: (since: number = now()) => coordinator.refreshAfter(since),
    close: () => coordinator.close(),

    /** Which ways in the server has on (GET /auth/config). */
    config: () => call<ServerConfigReply>("GET", "/auth/config"),

    // Sign-in and the session
    login: async (username: string, password: string) =>
      signInResult(await call<SignInReply>("POST", "/auth/login", { username, password })),
    /** The second step, with the mfa_pending cookie the first step set. */
    verifySecondFactor: async (method: SecondFactorMethod, code: string) =>
      signInResult(await call<SignInReply>("POST", "/auth/mfa/verify", { method, code })),
    register: async (username: string, password: string, email?: string) =>
      signInResult(await call<SignInReply>("POST", "/auth/register", { username, password, ...(email ? { email } : {}) })),
    logout: () => call<Reply>("POST", "/auth/logout"),
    logoutAll: () => call<Reply>("POST", "/auth/logout-all"),
    me: async () => (await call<MeReply>("GET", "/auth/me")).user,
    sessions: async () => (await call<SessionsReply>("GET", "/auth/sessions")).sessions,
    endSession: (id: string) => call<Reply>("DELETE", `/auth/sessions/${encode(id)}`),
    changePassword: (currentPassword: string, newPassword: string) =>
      call<Reply>("POST", "/auth/password", { current_password: currentPassword, new_password: newPassword }),
    reauthenticate: (proof: { password: string } | { method: SecondFactorMethod; code: string }) =>
      call<Reply>("POST", "/auth/reauthenticate", proof),

    // Email
    email: {
      set: (email: string) => call<Reply>("POST", "/auth/email", { email }),
      verify: (token: string) => call<Reply>("POST", "/auth/email/verify", { token }),
      forgotPassword: (email: string) => call<Reply>("POST", "/auth/password/forgot", { email }),
      resetPassword: (token: string, newPassword: string) =>
        call<Reply>("POST", "/auth/password/reset", { token, new_password: newPassword }),
      requestMagicLink: (email: string) => call<Reply>("POST", "/auth/magic-link", { email }),
      verifyMagicLink: async (token: string) =>
        signInResult(await call<SignInReply>("POST", "/auth/magic-link/verify", { token })),
    },

    // Second factors
    mfa: {
      status: () => call<MfaStatusReply>("GET", "/auth/mfa"),
      setupTotp: () => call<TotpSetupReply>("POST", "/auth/mfa/totp/setup"),
      confirmTotp: (code: string) => call<RecoveryCodesReply>("POST", "/auth/mfa/totp/confirm", { code }),
      disableTotp: () => call<Reply>("DELETE", "/auth/mfa/totp"),
      newRecoveryCodes: () => call<RecoveryCodesReply>("POST", "/auth/mfa/recovery-codes"),
    },

    // Passkeys (the WebAuthn ceremony itself is the browser's navigator.credentials)
    passkeys: {
      list: async () => (await call<PasskeysReply>("GET", "/auth/passkeys")).passkeys,
      remove: (id: string) => call<Reply>("DELETE", `/auth/passkeys/${encode(id)}`),
      registrationOptions: () => call<WebAuthnOptionsReply>("POST", "/auth/passkeys/register/options"),
      register: (credential: unknown, name: string) => call<Reply>("POST", "/auth/passkeys/register", { credential, name }),
      loginOptions: (username?: string) =>
        call<WebAuthnOptionsReply>("POST", "/auth/passkeys/login/options", username ? { username } : {}),
      login: async (credential: unknown) => signInResult(await call<SignInReply>("POST", "/auth/passkeys/login", { credential })),
    },

    // API keys for scripts (creating one needs a recent sign-in; a key itself cannot call these)
    apiKeys: {
      list: async () => (await call<ApiKeysReply>("GET", "/auth/api-keys")).api_keys,
      /** The reply's `key` is the only time the secret is shown: hand it to the user at once. */
      create: (key: NewApiKey) => call<ApiKeyCreatedReply>("POST", "/auth/api-keys", key),
      revoke: (id: string) => call<Reply>("DELETE", `/auth/api-keys/${encode(id)}`),
    },

    // Organisations
    switchOrganization,
    /** Call `listener` with the new active slug whenever this or another tab switches; returns an unsubscribe. */
    onOrganizationChange(listener: (slug: string | null) => void): () => void {
      orgListeners.add(listener);
      return () => orgListeners.delete(listener);
    },
    orgs: {
      list: () => call<OrganizationsReply>("GET", "/auth/orgs"),
      create: async (slug: string, name: string) => (await call<OrgReply>("POST", "/auth/orgs", { slug, name })).org,
      get: (slug: string) => call<OrgDetailReply>("GET", `/auth/orgs/${encode(slug)}`),
      rename: async (slug: string, name: string) => (await call<OrgReply>("PATCH", `/auth/orgs/${encode(slug)}`, { name })).org,
      remove: (slug: string) => call<Reply>("DELETE", `/auth/orgs/${encode(slug)}`),
      members: async (slug: string) => (await call<OrgMembersReply>("GET", `/auth/orgs/${encode(slug)}/members`)).members,
      setRole: (slug: string, userId: string, role: string) =>
        call<Reply>("PATCH", `/auth/orgs/${encode(slug)}/members/${encode(userId)}`, { role }),
      removeMember: (slug: string, userId: string) => call<Reply>("DELETE", `/auth/orgs/${encode(slug)}/members/${encode(userId)}`),
      leave: (slug: string) => call<Reply>("POST", `/auth/orgs/${encode(slug)}/leave`),
      /** Mailed, or with `send: false` the reply's `url` is the link to share. */
      invite: (slug: string, email: string, role = "member", send = true) =>
        call<InvitationCreatedReply>("POST", `/auth/orgs/${encode(slug)}/invitations`, { email, role, send }),
      invitations: async (slug: string) =>
        (await call<InvitationsReply>("GET", `/auth/orgs/${encode(slug)}/invitations`)).invitations,
      revokeInvitation: (slug: string, id: string) =>
        call<Reply>("DELETE", `/auth/orgs/${encode(slug)}/invitations/${encode(id)}`),
      acceptInvitation: async (token: string) => (await call<OrgReply>("POST", "/auth/invitations/accept", { token })).org,
    },

    // Identity providers
    providers: {
      list: async () => (await call<ProvidersReply>("GET", "/auth/oidc/providers")).providers,
      /** Where to send the browser (a full-page navigation) to sign in with a provider. */
      startUrl: (name: string, next: string) => `${apiUrl}/auth/oidc/${encode(name)}/start?next=${encode(next)}`,
      link: async (name: string) => (await call<LinkReply>("POST", `/auth/oidc/${encode(name)}/link`)).url,
      identities: async () => (await call<IdentitiesReply>("GET", "/auth/identities")).identities,
      unlink: (id: string | number) => call<Reply>("DELETE", `/auth/identities/${encode(String(id))}`),
    },

    /** End an impersonation: back to the admin's own session. */
    stopImpersonating: () => call<Reply>("POST", "/auth/impersonation/stop"),
  };
}

export type AuthClient = ReturnType<typeof createAuthClient>;

/** The server's sentence for a failed call, or a fallback. */
export function errorMessage(error: unknown, fallback: string): string {
  return error instanceof AuthApiError ? error.message : fallback;
}
