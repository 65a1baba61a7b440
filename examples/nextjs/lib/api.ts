// The API client of this app, over @flask-auth/next: one AuthClient per
// API origin (authFetch, one refresh across tabs, typed calls), and the
// axios instance earlier pages use, whose 401s go through the same refresh.

import axios, { AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from "axios";
import { AuthApiError, type AuthClient, createAuthClient } from "@flask-auth/next/client";

export type { ApiFailure, LiveSession, User } from "@flask-auth/next/client";
export type { MeReply as MeResponse } from "@flask-auth/next/client";
export { AuthApiError } from "@flask-auth/next/client";

type RetriableConfig = InternalAxiosRequestConfig & { _retried?: boolean; _startedAt?: number };

// 401s from these say something about the request, not about an expired token.
const NO_RETRY = ["/auth/login", "/auth/refresh", "/auth/logout", "/auth/mfa/verify"];

const clients = new Map<string, AuthClient>();

/** The one AuthClient of this tab for an API origin. */
export function authClient(baseURL: string): AuthClient {
  let client = clients.get(baseURL);
  if (!client) {
    client = createAuthClient({ apiUrl: baseURL });
    clients.set(baseURL, client);
  }
  return client;
}

/**
 * An axios instance that sends the API's cookies and, when a call answers
 * 401, lets the package refresh (once, shared with every tab of the
 * browser) and retries the call once.
 */
export function createApi(baseURL: string): AxiosInstance {
  const client = authClient(baseURL);
  const api = axios.create({ baseURL, withCredentials: true, timeout: 15000 });
  api.interceptors.request.use((config: RetriableConfig) => {
    config._startedAt ??= Date.now();
    return config;
  });
  api.interceptors.response.use(undefined, async (error: AxiosError) => {
    const config = error.config as RetriableConfig | undefined;
    const url = config?.url ?? "";
    if (error.response?.status === 401 && config && !config._retried && !NO_RETRY.some((path) => url.endsWith(path))) {
      config._retried = true;
      if (await client.refresh(config._startedAt ?? 0)) {
        return api.request(config);
      }
    }
    throw error;
  });
  return api;
}

export function errorMessage(error: unknown, fallback: string): string {
  if (error instanceof AuthApiError) {
    return error.status === 0 ? "The authentication server could not be reached." : error.message;
  }
  if (axios.isAxiosError<{ message?: unknown }>(error)) {
    const message = error.response?.data?.message;
    if (typeof message === "string" && message) {
      return message;
    }
    if (!error.response) {
      return "The authentication server could not be reached.";
    }
  }
  return fallback;
}
