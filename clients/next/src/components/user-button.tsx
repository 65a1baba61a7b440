"use client";

/** <UserButton />: who is signed in, a banner while an admin acts as them, and sign out. */

import { useAuth, useSession } from "../react.js";
import { Alert, Button, type CommonProps, type FinishProps, Root, useAction, useTranslate } from "./ui.js";
import { browser } from "./navigation.js";

export interface UserButtonProps extends CommonProps, FinishProps {
  /** Where a signed-out visitor's "Sign in" link points, and where signing out goes without redirectTo. */
  signInUrl?: string;
}

export function UserButton({ locale, className, signInUrl = "/login", onSuccess, redirectTo }: UserButtonProps) {
  const t = useTranslate(locale);
  const auth = useAuth();
  const session = useSession();
  const action = useAction(t);

  async function signOut() {
    // Already signed out or the server unreachable: leave either way.
    await auth.logout().catch(() => undefined);
    onSuccess?.();
    browser.replace(redirectTo ?? signInUrl);
  }
  async function stop() {
    if ((await action.run(() => auth.stopImpersonating(), "error.generic")) !== undefined) browser.reload();
  }

  if (session.status === "loading") return <Root name="user-button" locale={locale} className={className}><span className="fa-muted">{t("common.loading")}</span></Root>;
  if (session.status !== "authenticated")
    return (
      <Root name="user-button" locale={locale} className={className}>
        <a href={signInUrl} data-testid="sign-in-link">
          {t("signin.title")}
        </a>
      </Root>
    );
  const { user } = session;
  return (
    <Root name="user-button" locale={locale} className={className}>
      {user.impersonated_by && (
        <div className="fa-banner" role="note" data-testid="impersonation-banner">
          <p>
            <strong>{t("user.impersonating_label")}</strong> {t("user.impersonating", { user: user.username, admin: user.impersonated_by.username })}
          </p>
          <Button onClick={stop} pending={action.pending} data-testid="stop-impersonating">
            {t("user.stop_impersonating")}
          </Button>
          <Alert message={action.error} />
        </div>
      )}
      <div className="fa-user">
        <span aria-hidden="true" className="fa-avatar">
          {user.username.slice(0, 1).toUpperCase()}
        </span>
        <span data-testid="user-name">{user.username}</span>
        <Button onClick={signOut} data-testid="logout">
          {t("user.sign_out")}
        </Button>
      </div>
    </Root>
  );
}
