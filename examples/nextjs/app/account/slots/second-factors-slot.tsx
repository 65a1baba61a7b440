"use client";

import { SecondFactors } from "../second-factors";

/** The second-factor capability's slot: TOTP, recovery codes and passkeys. */
export function SecondFactorsSlot() {
  return (
    <section aria-labelledby="second-factors-heading" data-slot="second-factors">
      <h2 id="second-factors-heading">Second factors</h2>
      <SecondFactors />
    </section>
  );
}
