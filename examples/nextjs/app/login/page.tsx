import Link from "next/link";
import { SignIn } from "@flask-auth/next/components";
import { translator } from "@flask-auth/next";
import { safeNextPath } from "@/lib/next-path";
import { pageLocale, param, type SearchParams } from "@/lib/locale";

export default async function LoginPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const locale = await pageLocale(params);
  return (
    <>
      <h1>{translator(locale)("page.sign_in")}</h1>
      <SignIn
        locale={locale}
        redirectTo={safeNextPath(param(params, "next"))}
        secondStep={param(params, "mfa") === "1"}
        errorCode={param(params, "error")}
        signUpUrl="/sign-up"
      />
      <p lang="en">
        <Link href="/login?lang=de" prefetch={false} hrefLang="de" lang="de">Deutsch</Link> · <Link href="/login?lang=fr" prefetch={false} hrefLang="fr" lang="fr">Français</Link> · <Link href="/login?lang=es" prefetch={false} hrefLang="es" lang="es">Español</Link> · <Link href="/login?lang=en" prefetch={false} hrefLang="en">English</Link>
      </p>
    </>
  );
}
