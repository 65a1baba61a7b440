import { ResetPassword } from "@flask-auth/next/components";
import { translator } from "@flask-auth/next";
import { pageLocale, param, type SearchParams } from "@/lib/locale";

// The mailed link opens this page (EMAIL_LINK_URL) with ?token=...; the token is spent when the button is pressed.
export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const locale = await pageLocale(params);
  return (
    <>
      <h1>{translator(locale)("page.reset")}</h1>
      <ResetPassword locale={locale} token={param(params, "token") ?? ""} redirectTo="/dashboard" />
    </>
  );
}
