/** Browser side: the API client, the cross-tab refresh, and the React hooks. */

export { AuthApiError, type AuthClient, type AuthClientOptions, createAuthClient, errorMessage, type SignInResult } from "./api-client.js";
export {
  type ChannelLike,
  createRefreshCoordinator,
  type LockManagerLike,
  REFRESH_LOCK,
  type RefreshCoordinator,
  type RefreshOutcome,
} from "./refresh.js";
export { AuthProvider, type OrganizationState, type SessionState, useAuth, useOrganization, useSession } from "./react.js";
export { hasOrgRole } from "./org-roles.js";
export * from "./types.js";
