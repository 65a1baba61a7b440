import { TokenForm } from "../mail-forms";

export default async function VerifyEmailPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { token } = await searchParams;
  return (
    <>
      <h1>Confirm your email address</h1>
      <TokenForm
        endpoint="/auth/email/verify"
        token={typeof token === "string" ? token : ""}
        button="Confirm"
        testId="verify-form"
      />
    </>
  );
}
