"use client";

import { createContext, useContext, useMemo, type ReactNode } from "react";
import type { AxiosInstance } from "axios";
import type { PublicConfig } from "@/lib/config";
import { createApi } from "@/lib/api";

interface ClientConfig extends PublicConfig {
  api: AxiosInstance;
}

const ConfigContext = createContext<ClientConfig | null>(null);

export function ConfigProvider({ config, children }: { config: PublicConfig; children: ReactNode }) {
  const value = useMemo<ClientConfig>(
    () => ({ ...config, api: createApi(config.apiUrl) }),
    [config],
  );
  return <ConfigContext.Provider value={value}>{children}</ConfigContext.Provider>;
}

export function useConfig(): ClientConfig {
  const value = useContext(ConfigContext);
  if (!value) {
    throw new Error("useConfig() must be used inside <ConfigProvider>");
  }
  return value;
}
