import { AccountSettings } from "@flask-auth/next/components";
import { translator } from "@flask-auth/next";
import { pageLocale, type SearchParams } from "@/lib/locale";

// One section of the account page on its own: setting or changing the address (needs a recent sign-in).
export default async function AccountEmailPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const locale = await pageLocale(await searchParams);
  return (
    <>
      <h1>{translator(locale)("page.account")}</h1>
      <AccountSettings locale={locale} sections={["email"]} />
    </>
  );
}
