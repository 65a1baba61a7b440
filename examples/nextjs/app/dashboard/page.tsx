import { Dashboard } from "./dashboard";

// Gated twice: proxy.ts redirects before this renders when it can see the
// session (same-site), and <Dashboard> asks the API itself (the only check
// possible when the API is on another site).
export default function DashboardPage() {
  return (
    <>
      <h1>Dashboard</h1>
      <p>This page is protected.</p>
      <Dashboard />
    </>
  );
}
