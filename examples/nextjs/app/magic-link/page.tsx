import { MagicLink } from "@flask-auth/next/components";
import { translator } from "@flask-auth/next";
import { pageLocale, param, type SearchParams } from "@/lib/locale";

// Without a token: ask for a sign-in link. With one (the mailed link): sign in.
export default async function MagicLinkPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const locale = await pageLocale(params);
  return (
    <>
      <h1>{translator(locale)("page.magic")}</h1>
      <MagicLink locale={locale} token={param(params, "token") ?? ""} redirectTo="/dashboard" />
    </>
  );
}
