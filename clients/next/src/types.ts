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

/** The admin signed in as the user (impersonation): `act.sub` of the token, `impersonated_by` of /auth/me. */
export interface Impersonator {
  id: string;
  username?: string;
}

export interface MeReply extends Reply {
  user: User;
  /** Only while an admin is signed in as this user. */
  impersonated_by?: { id: string; username: string };
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

/** An API key as listed: never the secret; `prefix` is its first 12 characters. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  org: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

export interface ApiKeysReply extends Reply {
  api_keys: ApiKey[];
}

/** What `POST /auth/api-keys` asks for: `expires_in` in seconds; `org` needs organisations on the server. */
export interface NewApiKey {
  name: string;
  scopes: string[];
  expires_in?: number;
  org?: string;
}

/** The creation reply: `key` (`fak_...`) is shown here and never again. */
export interface ApiKeyCreatedReply extends Reply {
  api_key: ApiKey;
  key: string;
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

/** The `org` claim: the session's active organisation and the user's role in it when the token was issued. */
export interface OrgClaim {
  id: string;
  slug: string;
  role: string;
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
  /** RFC 8693 actor: the admin signed in as `sub` (impersonation). */
  act?: { sub: string };
  /** Only while an organisation is active (POST /auth/orgs/active). */
  org?: OrgClaim;
}

/** An organisation as GET /auth/orgs lists it, with the caller's role. */
export interface Organization {
  id: string;
  slug: string;
  name: string;
  role?: string;
  joined_at?: number;
}

export interface OrganizationsReply extends Reply {
  orgs: Organization[];
  /** The slug the caller's access token names as active, or null. */
  active: string | null;
}

export interface OrgMember {
  user_id: string;
  username: string;
  role: string;
  joined_at?: number;
}

export interface OrgReply extends Reply {
  org: Organization;
}

export interface OrgDetailReply extends Reply {
  org: Organization;
  members: OrgMember[];
}

export interface OrgMembersReply extends Reply {
  members: OrgMember[];
}

export interface OrgInvitation {
  id: string;
  email: string;
  role: string;
  created_at?: number;
  expires_at: number;
}

export interface InvitationCreatedReply extends Reply {
  invitation: OrgInvitation;
  /** Only when invited with `send: false`: the link to share. */
  url?: string;
}

export interface InvitationsReply extends Reply {
  invitations: OrgInvitation[];
}

export interface ActiveOrgReply extends Reply {
  org: Organization | null;
}

/** What getSession() and useSession() hand to a page. */
export interface Session {
  user: { id: string; roles: string[]; username?: string };
  /** The active organisation and the role in it, as the access token says; null without one. */
  org: OrgClaim | null;
  /** The session id (`sid`), when the token was checked locally. */
  sessionId?: string;
  /** Seconds since the epoch when the access token expires, when known. */
  expiresAt?: number;
  /** "token": the signature was checked here against the JWKS; "api": the API answered. */
  checkedBy: "token" | "api";
  /** Set while an admin is signed in as this user (show a banner; expect 403 `impersonation_forbidden` on account changes). */
  impersonatedBy?: Impersonator;
}

/** GET /auth/config: which ways in the server has switched on. */
export interface ServerConfigReply extends Reply {
  registration: boolean;
  magic_links: boolean;
  mail: boolean;
  passkeys: boolean;
  providers: Provider[];
}

