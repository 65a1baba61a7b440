"use client";

/** <OrganizationSwitcher />: the session's active organisation (POST /auth/orgs/active); nothing when the server has no organisations. */

import { useEffect, useId, useState } from "react";
import type { Organization } from "../types.js";
import { useAuth } from "../react.js";
import { isMissing } from "./errors.js";
import { Alert, type CommonProps, Root, Status, useAction, useTranslate } from "./ui.js";
import { browser } from "./navigation.js";

export interface OrganizationSwitcherProps extends CommonProps {
  /** Called with the new active organisation's slug (null: none) once the server has issued the new token. */
  onSuccess?: (slug: string | null) => void;
  /** Where to go after a switch (a full navigation, so server components see the new `org` claim). */
  redirectTo?: string;
}

export function OrganizationSwitcher({ locale, className, onSuccess, redirectTo }: OrganizationSwitcherProps) {
  const t = useTranslate(locale);
  const auth = useAuth();
  const id = useId();
  const [orgs, setOrgs] = useState<Organization[] | null>(null);
  const [active, setActive] = useState<string>("");
  const [said, setSaid] = useState("");
  const action = useAction(t);

  useEffect(() => {
    let cancelled = false;
    auth.orgs
      .list()
      .then((reply) => {
        if (cancelled) return;
        setOrgs(reply.orgs);
        setActive(typeof reply.active === "string" ? reply.active : "");
      })
      .catch((error: unknown) => {
        if (!cancelled) setOrgs(isMissing(error) ? null : []);
      });
    return () => {
      cancelled = true;
    };
  }, [auth]);

  if (!orgs || orgs.length === 0) return null;
  async function choose(slug: string) {
    const previous = active;
    setActive(slug);
    setSaid("");
    if ((await action.run(() => auth.switchOrganization(slug || null), "error.generic")) === undefined) {
      setActive(previous);
      return;
    }
    const name = orgs?.find((o) => o.slug === slug)?.name;
    setSaid(name ? t("orgs.switched", { name }) : t("orgs.switched_personal"));
    onSuccess?.(slug || null);
    if (redirectTo) browser.replace(redirectTo);
  }
  return (
    <Root name="organization-switcher" locale={locale} className={className}>
      <div className="fa-field">
        <label htmlFor={id}>{t("orgs.active_label")}</label>
        <select id={id} name="org" value={active} onChange={(event) => void choose(event.target.value)} disabled={action.pending} data-testid="org-switcher">
          <option value="">{t("orgs.personal")}</option>
          {orgs.map((o) => (
            <option key={o.slug} value={o.slug}>
              {o.name}
            </option>
          ))}
        </select>
      </div>
      <Status message={said} />
      <Alert message={action.error} testId="org-switcher-error" />
    </Root>
  );
}
