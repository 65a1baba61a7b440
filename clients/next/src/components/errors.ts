/**
 * A failed call as a sentence in the reader's language. The server's stable
 * `error` codes map to catalogue keys; an unknown code falls back to the
 * server's own `message` (in English), and a failure with neither to the
 * action's fallback key.
 */

import { AuthApiError } from "../api-client.js";
import type { MessageKey, Translate } from "./i18n.js";

/** Known `error` codes (SPEC.md) and the catalogue keys that say them. */
export const ERROR_KEYS: Record<string, MessageKey> = {
  reauth_required: "error.reauth_required",
  mfa_enrolment_required: "error.mfa_enrolment_required",
  impersonation_forbidden: "error.impersonation_forbidden",
  invalid_token: "error.invalid_token",
  link_expired: "error.invalid_token",
  rate_limited: "error.rate_limited",
  account_locked: "error.account_locked",
  user_locked: "error.account_locked",
  invalid_credentials: "error.invalid_credentials",
  login_failed: "error.invalid_credentials",
  mfa_failed: "error.mfa_failed",
  access_denied: "error.access_denied",
  provider_error: "error.provider_error",
  oidc_failed: "error.provider_error",
  unknown_provider: "error.provider_error",
  passkey_login_failed: "error.passkey_failed",
  passkey_register_failed: "error.passkey_failed",
  username_taken: "error.username_taken",
  email_taken: "error.email_taken",
  weak_password: "error.weak_password",
  slug_taken: "error.slug_taken",
  last_owner: "error.last_owner",
  csrf_failed: "error.csrf",
};

export interface Described {
  message: string;
  /** The server's code, when it sent one. */
  code?: string;
  /** Seconds to wait before trying again (429 with Retry-After). */
  retryAfter?: number;
}

/** The sentence for `error` (an AuthApiError, a WebAuthn DOMException, anything). */
export function describeError(error: unknown, t: Translate, fallback: MessageKey): Described {
  if (error instanceof AuthApiError) {
    const code = error.code;
    if (error.status === 429) {
      const seconds = error.retryAfter;
      return {
        message: seconds ? t("error.rate_limited_for", { seconds }) : t("error.rate_limited"),
        code: code ?? "rate_limited",
        ...(seconds ? { retryAfter: seconds } : {}),
      };
    }
    if (error.status === 0) return { message: t("error.network") };
    const key = code ? ERROR_KEYS[code] : undefined;
    if (key) return { message: t(key), code };
    const server = (error.body as { message?: unknown } | null)?.message;
    return { message: typeof server === "string" && server ? server : t(fallback), ...(code ? { code } : {}) };
  }
  if (isWebAuthnAbort(error)) return { message: t("error.passkey_cancelled") };
  return { message: t(fallback) };
}

/** A code given to a page in its URL (`?error=access_denied` from a provider sign-in), or null when unknown. */
export function codeMessage(code: string | null | undefined, t: Translate): string | null {
  const key = code ? ERROR_KEYS[code] : undefined;
  return key ? t(key) : null;
}

function isWebAuthnAbort(error: unknown): boolean {
  return typeof DOMException !== "undefined" && error instanceof DOMException && ["NotAllowedError", "AbortError"].includes(error.name);
}

/** True when the call answered 404: the server has no such feature (or it is switched off). */
export function isMissing(error: unknown): boolean {
  return error instanceof AuthApiError && error.status === 404;
}

export function isSignedOut(error: unknown): boolean {
  return error instanceof AuthApiError && error.status === 401;
}
