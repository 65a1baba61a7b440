import Link from "next/link";
import { safeNextPath } from "@/lib/next-path";
import { LoginForm } from "./login-form";
import { ProviderButtons } from "./provider-buttons";

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { next, mfa } = await searchParams;
  return (
    <>
      <h1>Log in</h1>
      <LoginForm next={safeNextPath(typeof next === "string" ? next : undefined)} mfa={mfa === "1"} />
      <ProviderButtons next={safeNextPath(typeof next === "string" ? next : undefined)} />
      <p>
        <Link href="/forgot-password" prefetch={false} data-testid="forgot-password-link">
          Forgot password?
        </Link>{" "}
        ·{" "}
        <Link href="/magic-link" prefetch={false} data-testid="magic-link-link">
          Email me a sign-in link
        </Link>
      </p>
    </>
  );
}
