import Link from "next/link";
import { AccountSettings, OrganizationSwitcher, UserButton } from "@flask-auth/next/components";
import { translator } from "@flask-auth/next";
import { pageLocale, type SearchParams } from "@/lib/locale";

// Gated twice: proxy.ts redirects before this renders when it can see the
// session (same-site), and the components ask the API themselves (the only
// check possible when the API is on another site).
export default async function DashboardPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const locale = await pageLocale(await searchParams);
  return (
    <>
      <h1>{translator(locale)("page.dashboard")}</h1>
      <UserButton locale={locale} />
      <OrganizationSwitcher locale={locale} />
      <AccountSettings locale={locale} sections={["profile", "providers"]} />
      <p>
        <Link href="/account" prefetch={false}>
          {translator(locale)("page.account")}
        </Link>
      </p>
    </>
  );
}
