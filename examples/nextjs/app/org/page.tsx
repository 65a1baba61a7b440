import { ActiveOrganization } from "./active-organization";

// The active organisation's page: proxy.ts lets only its members in (a
// removed member is turned away at the next navigation), and the page asks
// the API itself too (the only check when the API is on another site).
export default function OrganizationPage() {
  return (
    <>
      <h1>Your organisation</h1>
      <ActiveOrganization />
    </>
  );
}
