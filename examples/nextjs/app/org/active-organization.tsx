"use client";

import Link from "next/link";
import { useOrganization } from "@flask-auth/next/client";

export function ActiveOrganization() {
  const orgs = useOrganization();
  if (orgs.status === "loading") return <p>Loading…</p>;
  if (orgs.status !== "ready" || !orgs.org) {
    return (
      <p data-testid="org-denied">
        This page is for members of an active organisation. <Link href="/dashboard">Choose one on the dashboard.</Link>
      </p>
    );
  }
  return (
    <p data-testid="org-page">
      Members only: <strong data-testid="org-name">{orgs.org.name}</strong>, where you are {orgs.org.role}.
    </p>
  );
}
