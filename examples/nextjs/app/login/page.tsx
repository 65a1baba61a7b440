import { safeNextPath } from "@/lib/config";
import { LoginForm } from "./login-form";

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
    </>
  );
}
