// The language of a page: `?lang=de`, else a `lang` cookie, else English.

import { cookies } from "next/headers";
import { locales } from "@flask-auth/next";

export type SearchParams = Record<string, string | string[] | undefined>;

/** The first value of a query parameter, or undefined. */
export function param(params: SearchParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === "string" ? value : Array.isArray(value) ? value[0] : undefined;
}

export async function pageLocale(params: SearchParams): Promise<string> {
  const wanted = param(params, "lang") ?? (await cookies()).get("lang")?.value ?? "en";
  return locales().includes(wanted) ? wanted : "en";
}
