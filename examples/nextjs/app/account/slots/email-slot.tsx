"use client";

/**
 * SLOT for the email capability (POST /auth/email, verification).
 *
 * The account page renders this component in its place; the capability
 * replaces the body of this file (and only this file). useAuth() from
 * "@flask-auth/next/client" gives the typed calls (auth.email); a 401 that
 * survives the client's refresh goes through useSignedOutRedirect() in
 * ../signed-out.ts. Keep the section's heading, labelled fields, and errors
 * in a role="alert" element.
 */
export function EmailSlot() {
  return (
    <section aria-labelledby="email-heading" data-slot="email">
      <h2 id="email-heading">Email</h2>
      <p>Not available on this server yet.</p>
    </section>
  );
}
