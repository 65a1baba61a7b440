import axios, { AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from "axios";

export interface User {
  id: string | number;
  username: string;
  roles: string[];
}

export interface MeResponse {
  success: boolean;
  user: User;
}

export interface ApiFailure {
  success: false;
  message: string;
}

type RetriableConfig = InternalAxiosRequestConfig & { _retried?: boolean };

// Requests that must never trigger a refresh-and-retry themselves.
const NO_RETRY = ["/auth/login", "/auth/refresh", "/auth/logout"];

/**
 * An axios instance that sends the API's cookies (`withCredentials`) and,
 * when a request comes back 401 because the short-lived access token has
 * expired, calls POST /auth/refresh once (the refresh_token cookie has
 * Path=/auth, so the browser sends it there) and retries the request.
 * Concurrent 401s share one refresh call: the server rotates the refresh
 * token, so firing several refreshes at once would be wasteful.
 */
export function createApi(baseURL: string): AxiosInstance {
  const api = axios.create({ baseURL, withCredentials: true, timeout: 15000 });
  let refreshing: Promise<boolean> | null = null;

  const refresh = (): Promise<boolean> => {
    refreshing ??= api
      .post("/auth/refresh")
      .then(() => true)
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  };

  api.interceptors.response.use(undefined, async (error: AxiosError) => {
    const config = error.config as RetriableConfig | undefined;
    const url = config?.url ?? "";
    if (
      error.response?.status === 401 &&
      config &&
      !config._retried &&
      !NO_RETRY.some((path) => url.endsWith(path))
    ) {
      config._retried = true;
      if (await refresh()) {
        return api.request(config);
      }
    }
    throw error;
  });

  return api;
}

export function errorMessage(error: unknown, fallback: string): string {
  if (axios.isAxiosError<ApiFailure>(error)) {
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
