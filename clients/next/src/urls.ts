/** Small URL rules shared by the proxy, the server and the client helpers. */

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Only same-origin relative paths are accepted as a post-login target (no open redirect). */
export function safeNextPath(next: string | null | undefined, fallback = "/"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
    return fallback;
  }
  return next;
}

/** The value of one cookie in a Cookie request header, or null. */
export function cookieValue(header: string | null | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return value || null;
    }
  }
  return null;
}

/** Read an environment variable at run time (a computed key, so `next build` does not inline it). */
export function runtimeEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** Where server-side code reaches the API: API_INTERNAL_URL, else NEXT_PUBLIC_API_URL, else the dev default. */
export function serverApiUrl(): string {
  return trimSlash(runtimeEnv("API_INTERNAL_URL") ?? runtimeEnv("NEXT_PUBLIC_API_URL") ?? "http://localhost:3001");
}
