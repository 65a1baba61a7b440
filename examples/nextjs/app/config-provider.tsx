"use client";

import type { ReactNode } from "react";
import { AuthProvider } from "@flask-auth/next/client";
import type { PublicConfig } from "@/lib/config";

/** One API client for the whole app, made in the browser from the configuration the server read at request time. */
export function ConfigProvider({ config, children }: { config: PublicConfig; children: ReactNode }) {
  return <AuthProvider apiUrl={config.apiUrl}>{children}</AuthProvider>;
}
