/** Replies of the Flask authentication server, as SPEC.md fixes them. */

export interface User {
  id: string | number;
  username: string;
  roles: string[];
  /** Set while an admin acts as this user (SPEC.md, Admin). */
  impersonated_by?: { id: string | number; username: string };
  email?: string | null;
  email_verified?: boolean;
  has_password?: boolean;
  [key: string]: unknown;
}

/** Every JSON reply carries `success`; every failure also a `message`. */
export interface Reply {
  success: boolean;
  message?: string;
}

export interface ApiFailure {
  success: false;
  message: string;
}

export interface MeReply extends Reply {
  user: User;
}

/** POST /auth/login and the other first steps of a sign-in. */
export interface SignInReply extends Reply {
  mfa_required?: boolean;
  methods?: string[];
  csrf_token?: string;
}

export interface LiveSession {
  id: string;
  created_at: string | number;
  last_used_at: string | number | null;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

export interface SessionsReply extends Reply {
  sessions: LiveSession[];
}

export type SecondFactorMethod = "totp" | "recovery_code";

export interface MfaStatusReply extends Reply {
  totp?: boolean;
  recovery_codes_left?: number;
  passkeys?: Passkey[];
  [key: string]: unknown;
}

export interface TotpSetupReply extends Reply {
  secret: string;
  otpauth_uri: string;
  qr_svg: string;
}

export interface RecoveryCodesReply extends Reply {
  recovery_codes: string[];
}

export interface Passkey {
  id: string;
  name?: string;
  created_at?: string | number;
  last_used_at?: string | number | null;
  [key: string]: unknown;
}

export interface PasskeysReply extends Reply {
  passkeys: Passkey[];
}

/** WebAuthn options as JSON (base64url strings where the browser API wants buffers). */
export interface WebAuthnOptionsReply extends Reply {
  [key: string]: unknown;
}

export interface Provider {
  name: string;
  label: string;
}

export interface ProvidersReply extends Reply {
  providers: Provider[];
}

export interface Identity {
  id: string | number;
  provider: string;
  [key: string]: unknown;
}

export interface IdentitiesReply extends Reply {
  identities: Identity[];
}

export interface LinkReply extends Reply {
  url: string;
}

/** The claims of the server's access token (SPEC.md, "The access token"). */
export interface AccessClaims {
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  roles: string[];
}

/** What getSession() and useSession() hand to a page. */
export interface Session {
  user: { id: string; roles: string[]; username?: string };
  /** The session id (`sid`), when the token was checked locally. */
  sessionId?: string;
  /** Seconds since the epoch when the access token expires, when known. */
  expiresAt?: number;
  /** "token": the signature was checked here against the JWKS; "api": the API answered. */
  checkedBy: "token" | "api";
}

/** GET /auth/config: which ways in the server has switched on. */
export interface ServerConfigReply extends Reply {
  registration: boolean;
  magic_links: boolean;
  mail: boolean;
  passkeys: boolean;
  providers: Provider[];
}

export interface Org {
  id?: string | number;
  slug: string;
  name: string;
  role?: string;
  [key: string]: unknown;
}

export interface OrgsReply extends Reply {
  orgs?: Org[];
  items?: Org[];
  /** The session's active organisation's slug, when the server says. */
  active?: string | null;
  [key: string]: unknown;
}

export interface OrgReply extends Reply {
  org: Org;
}

export interface ApiKey {
  id: string | number;
  name: string;
  prefix: string;
  scopes: string[];
  org?: string | null;
  created_at: string | number;
  last_used_at: string | number | null;
  expires_at: string | number | null;
}

export interface ApiKeysReply extends Reply {
  api_keys: ApiKey[];
}

export interface ApiKeyCreatedReply extends Reply {
  api_key: ApiKey;
  /** The key itself, shown only in this reply. */
  key: string;
}
