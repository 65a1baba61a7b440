import { TokenForm } from "../mail-forms";

export default async function ResetPasswordPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { token } = await searchParams;
  return (
    <>
      <h1>Choose a new password</h1>
      <p>Every session of your account ends, and this browser signs in with the new password.</p>
      <TokenForm
        endpoint="/auth/password/reset"
        token={typeof token === "string" ? token : ""}
        button="Set password"
        testId="reset-form"
        newPassword
        then="/dashboard"
      />
    </>
  );
}
