"use client";

import { LinkedIdentities } from "../../dashboard/linked-identities";

/** The identity-provider capability's slot: the providers linked to this account. */
export function ProvidersSlot() {
  return (
    <section aria-labelledby="providers-heading" data-slot="providers">
      <h2 id="providers-heading">Linked providers</h2>
      <LinkedIdentities />
    </section>
  );
}
