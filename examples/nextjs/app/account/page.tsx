import { AccountSettings } from "@flask-auth/next/components";
import { translator } from "@flask-auth/next";
import { pageLocale, type SearchParams } from "@/lib/locale";

// Gated like the dashboard: proxy.ts before it renders (same-site), and the
// component's own calls to the API, which is the enforcer either way.
export default async function AccountPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const locale = await pageLocale(await searchParams);
  return (
    <>
      <h1>{translator(locale)("page.account")}</h1>
      <AccountSettings locale={locale} />
    </>
  );
}
