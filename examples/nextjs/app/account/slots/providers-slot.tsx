"use client";

/**
 * SLOT for the identity-provider capability (GET /auth/identities, link, unlink).
 *
 * The account page renders this component in its place; the capability
 * replaces the body of this file (and only this file). useAuth() from
 * "@flask-auth/next/client" gives the typed calls (auth.providers); a 401 that
 * survives the client's refresh goes through useSignedOutRedirect() in
 * ../signed-out.ts. Keep the section's heading, labelled fields, and errors
 * in a role="alert" element.
 */
export function ProvidersSlot() {
  return (
    <section aria-labelledby="providers-heading" data-slot="providers">
      <h2 id="providers-heading">Linked providers</h2>
      <p>Not available on this server yet.</p>
    </section>
  );
}
