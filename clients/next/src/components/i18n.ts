/**
 * The components' words: one JSON catalogue per language (locales/*.json,
 * flat keys, `{name}` placeholders), picked by the `locale` prop.
 * A key missing from a catalogue falls back to English, then to the key.
 */

import de from "./locales/de.json" with { type: "json" };
import en from "./locales/en.json" with { type: "json" };
import es from "./locales/es.json" with { type: "json" };
import fr from "./locales/fr.json" with { type: "json" };

export type Catalogue = Record<string, string>;
export type MessageKey = keyof typeof en;
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

const catalogues = new Map<string, Catalogue>([
  ["en", en],
  ["de", de],
  ["fr", fr],
  ["es", es],
]);

/** The languages shipped (and any added with addCatalogue). */
export function locales(): string[] {
  return [...catalogues.keys()];
}

/** Add or extend a language at run time: `addCatalogue("it", {...})`; keys it lacks come from English. */
export function addCatalogue(locale: string, messages: Catalogue): void {
  catalogues.set(locale.toLowerCase(), { ...catalogues.get(locale.toLowerCase()), ...messages });
}

/** The catalogue for a locale: exact (`pt-br`), else its language (`de-AT` -> `de`), else English. */
export function resolveLocale(locale: string | undefined): string {
  const wanted = (locale ?? "en").toLowerCase();
  if (catalogues.has(wanted)) return wanted;
  const language = wanted.split(/[-_]/)[0] ?? "en";
  return catalogues.has(language) ? language : "en";
}

export function translator(locale: string | undefined): Translate {
  const messages = catalogues.get(resolveLocale(locale)) ?? en;
  return (key, vars) => {
    const text = messages[key] ?? (en as Catalogue)[key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (all, name: string) => (name in vars ? String(vars[name]) : all)) : text;
  };
}
