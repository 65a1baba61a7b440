"use client";

import { createContext, useContext, useMemo, type ReactNode } from "react";
import type { AxiosInstance } from "axios";
import { AuthProvider } from "@flask-auth/next/client";
import type { AuthClient } from "@flask-auth/next/client";
import type { PublicConfig } from "@/lib/config";
import { authClient, createApi } from "@/lib/api";

interface ClientConfig extends PublicConfig {
  api: AxiosInstance;
  auth: AuthClient;
}

const ConfigContext = createContext<ClientConfig | null>(null);

export function ConfigProvider({ config, children }: { config: PublicConfig; children: ReactNode }) {
  const value = useMemo<ClientConfig>(
    () => ({ ...config, api: createApi(config.apiUrl), auth: authClient(config.apiUrl) }),
    [config],
  );
  return (
    <ConfigContext.Provider value={value}>
      <AuthProvider apiUrl={config.apiUrl} client={value.auth}>
        {children}
      </AuthProvider>
    </ConfigContext.Provider>
  );
}

export function useConfig(): ClientConfig {
  const value = useContext(ConfigContext);
  if (!value) {
    throw new Error("useConfig() must be used inside <ConfigProvider>");
  }
  return value;
}
