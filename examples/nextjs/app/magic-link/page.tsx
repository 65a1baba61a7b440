import { EmailRequestForm, TokenForm } from "../mail-forms";

// Without a token: ask for a sign-in link. With one (the mailed link): sign in.
export default async function MagicLinkPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { token } = await searchParams;
  if (typeof token === "string" && token) {
    return (
      <>
        <h1>Sign in</h1>
        <p>Press the button to sign in this browser.</p>
        <TokenForm endpoint="/auth/magic-link/verify" token={token} button="Sign in" testId="magic-form" then="/dashboard" />
      </>
    );
  }
  return (
    <>
      <h1>Sign in by email</h1>
      <p>Enter the verified email address of your account; a sign-in link is mailed to it.</p>
      <EmailRequestForm endpoint="/auth/magic-link" button="Mail me a sign-in link" testId="magic-request-form" />
    </>
  );
}
