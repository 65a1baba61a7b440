import { EmailRequestForm } from "../../mail-forms";

// Needs a session with a recent sign-in (REAUTH_SECONDS); the address counts once the mailed link is opened.
export default function AccountEmailPage() {
  return (
    <>
      <h1>Your email address</h1>
      <p>A confirmation link is mailed to the new address; a previous, verified address is told of the change.</p>
      <EmailRequestForm endpoint="/auth/email" button="Send confirmation link" testId="email-form" />
    </>
  );
}
