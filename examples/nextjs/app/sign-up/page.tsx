import { SignUp } from "@flask-auth/next/components";
import { translator } from "@flask-auth/next";
import { pageLocale, type SearchParams } from "@/lib/locale";

export default async function SignUpPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const locale = await pageLocale(await searchParams);
  return (
    <>
      <h1>{translator(locale)("page.sign_up")}</h1>
      <SignUp locale={locale} redirectTo="/dashboard" />
    </>
  );
}
