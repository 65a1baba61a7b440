import { EmailRequestForm } from "../mail-forms";

export default function ForgotPasswordPage() {
  return (
    <>
      <h1>Forgot your password?</h1>
      <p>Enter the verified email address of your account; a link to choose a new password is mailed to it.</p>
      <EmailRequestForm endpoint="/auth/password/forgot" button="Mail me a reset link" testId="forgot-form" />
    </>
  );
}
