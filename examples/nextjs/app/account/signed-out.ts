"use client";

import { useCallback } from "react";
import { useRouter } from "next/navigation";
import { AuthApiError } from "@flask-auth/next/client";

/**
 * For the account page's calls: a 401 that the client's refresh could not
 * cure means the session is over (ended from another device, signed out
 * everywhere, password changed elsewhere), so go to the login page.
 * Returns true when it redirected.
 */
export function useSignedOutRedirect(): (error: unknown) => boolean {
  const router = useRouter();
  return useCallback(
    (error: unknown) => {
      if (error instanceof AuthApiError && error.status === 401) {
        router.replace("/login?next=%2Faccount");
        return true;
      }
      return false;
    },
    [router],
  );
}
