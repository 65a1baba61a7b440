"use client";

/**
 * SLOT for the second-factor capability (TOTP, recovery codes, passkeys).
 *
 * The account page renders this component in its place; the capability
 * replaces the body of this file (and only this file). useAuth() from
 * "@flask-auth/next/client" gives the typed calls (auth.mfa and auth.passkeys); a 401 that
 * survives the client's refresh goes through useSignedOutRedirect() in
 * ../signed-out.ts. Keep the section's heading, labelled fields, and errors
 * in a role="alert" element.
 */
export function SecondFactorsSlot() {
  return (
    <section aria-labelledby="second-factors-heading" data-slot="second-factors">
      <h2 id="second-factors-heading">Second factors</h2>
      <p>Not available on this server yet.</p>
    </section>
  );
}
