/**
 * @flask-auth/next: import from the subpath that fits where the code runs:
 * "@flask-auth/next/proxy" (proxy.ts), "@flask-auth/next/server" (server
 * components, route handlers), "@flask-auth/next/client" (the browser).
 * This entry holds what every side shares.
 */

export * from "./types.js";
export { hasOrgRole } from "./org-roles.js";
export { safeNextPath } from "./urls.js";
export { createTokenCheck, type TokenCheck, type TokenCheckOptions, type TokenVerdict } from "./token-check.js";
// The components' catalogues, for server-rendered words around them (page titles).
export { locales, type MessageKey, resolveLocale, translator } from "./components/i18n.js";
