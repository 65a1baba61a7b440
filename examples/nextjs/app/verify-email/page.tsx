import { VerifyEmail } from "@flask-auth/next/components";
import { translator } from "@flask-auth/next";
import { pageLocale, param, type SearchParams } from "@/lib/locale";

export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const locale = await pageLocale(params);
  return (
    <>
      <h1>{translator(locale)("page.verify")}</h1>
      <VerifyEmail locale={locale} token={param(params, "token") ?? ""} />
    </>
  );
}
