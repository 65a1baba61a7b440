import { ForgotPassword } from "@flask-auth/next/components";
import { translator } from "@flask-auth/next";
import { pageLocale, type SearchParams } from "@/lib/locale";

export default async function ForgotPasswordPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const locale = await pageLocale(await searchParams);
  return (
    <>
      <h1>{translator(locale)("page.forgot")}</h1>
      <ForgotPassword locale={locale} />
    </>
  );
}
