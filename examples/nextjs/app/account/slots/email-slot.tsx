"use client";

import Link from "next/link";

/** The email capability's slot: setting or changing the address happens on its own page. */
export function EmailSlot() {
  return (
    <section aria-labelledby="email-heading" data-slot="email">
      <h2 id="email-heading">Email</h2>
      <p>
        <Link href="/account/email" prefetch={false} data-testid="email-change-link">
          Set or change your email address
        </Link>
      </p>
    </section>
  );
}
