"use client";

/**
 * Which ways in the server has on: GET /auth/config, asked once per client
 * and shared by every component on the page. A server without that endpoint
 * (404) is read as password sign-in with its providers list, mail and
 * passkeys, and no registration or magic links.
 */

import { useEffect, useState } from "react";
import type { AuthClient } from "../api-client.js";
import { useAuth } from "../react.js";
import type { Provider } from "../types.js";

export interface ServerConfig {
  registration: boolean;
  magic_links: boolean;
  mail: boolean;
  passkeys: boolean;
  providers: Provider[];
}

const asked = new WeakMap<AuthClient, Promise<ServerConfig>>();

async function load(client: AuthClient): Promise<ServerConfig> {
  try {
    const reply = await client.config();
    return {
      registration: reply.registration === true,
      magic_links: reply.magic_links === true,
      mail: reply.mail !== false,
      passkeys: reply.passkeys !== false,
      providers: Array.isArray(reply.providers) ? reply.providers : [],
    };
  } catch {
    const providers = await client.providers.list().catch(() => []);
    return { registration: false, magic_links: false, mail: true, passkeys: true, providers };
  }
}

/** The server's switches, or null while they are asked for. */
export function useServerConfig(): ServerConfig | null {
  const client = useAuth();
  const [config, setConfig] = useState<ServerConfig | null>(null);
  useEffect(() => {
    let cancelled = false;
    let promise = asked.get(client);
    if (!promise) {
      promise = load(client);
      asked.set(client, promise);
    }
    void promise.then((value) => {
      if (!cancelled) setConfig(value);
    });
    return () => {
      cancelled = true;
    };
  }, [client]);
  return config;
}

/** A query parameter of the page's URL, read after hydration (the server render has no window). */
export function useUrlParam(name: string, given: string | undefined): string | undefined {
  const [value, setValue] = useState(given);
  useEffect(() => {
    if (given !== undefined) setValue(given);
    else setValue(new URLSearchParams(window.location.search).get(name) ?? "");
  }, [name, given]);
  return value;
}
