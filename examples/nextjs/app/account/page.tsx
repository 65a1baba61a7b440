import { Account } from "./account";

// Gated like the dashboard: proxy.ts before it renders (same-site), and the
// page's own calls to the API, which is the enforcer either way.
export default function AccountPage() {
  return (
    <>
      <h1>Your account</h1>
      <Account />
    </>
  );
}
