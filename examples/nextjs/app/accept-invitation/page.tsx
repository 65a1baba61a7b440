import { Suspense } from "react";
import { AcceptInvitation } from "./accept-invitation";

// Where a mailed invitation lands (EMAIL_LINK_URL + /accept-invitation?token=).
export default function AcceptInvitationPage() {
  return (
    <>
      <h1>Invitation</h1>
      <Suspense fallback={<p>Loading…</p>}>
        <AcceptInvitation />
      </Suspense>
    </>
  );
}
