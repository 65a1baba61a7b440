import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_KEYS } from "../../src/components/errors.js";
import { translator } from "../../src/components/i18n.js";

const DIR = join(import.meta.dirname, "../../src/components/locales");
const SRC = join(import.meta.dirname, "../../src/components");
const catalogues = Object.fromEntries(
  readdirSync(DIR)
    .filter((name) => name.endsWith(".json"))
    .map((name) => [name.replace(/\.json$/, ""), JSON.parse(readFileSync(join(DIR, name), "utf8")) as Record<string, string>]),
);
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the catalogues", () => {
  it("ship en, de, fr and es", () => {
    expect(Object.keys(catalogues).sort()).toEqual(["de", "en", "es", "fr"]);
  });

  // A key one catalogue has and another lacks fails here, naming both.
  for (const [name, messages] of Object.entries(catalogues)) {
    for (const [other, others] of Object.entries(catalogues)) {
      if (name === other) continue;
      it(`${name} has every key ${other} has`, () => {
        expect(Object.keys(others).filter((key) => !(key in messages))).toEqual([]);
      });
    }
    it(`${name} has no empty message and the same placeholders as en`, () => {
      for (const [key, text] of Object.entries(messages)) {
        expect(text.trim(), key).not.toBe("");
        expect(placeholders(text), key).toEqual(placeholders(catalogues.en?.[key] ?? ""));
      }
    });
  }

  it("have every key the components use, and every error code's key", () => {
    const source = readdirSync(SRC)
      .filter((name) => /\.tsx?$/.test(name))
      .map((name) => readFileSync(join(SRC, name), "utf8"))
      .join("\n");
    const used = new Set([...source.matchAll(/\bt\(\s*"([a-z_]+\.[a-z_.]+)"/g)].map((m) => m[1]));
    for (const key of [...used, ...Object.values(ERROR_KEYS)]) expect(catalogues.en, String(key)).toHaveProperty([String(key)]);
    expect(used.size).toBeGreaterThan(50);
  });

  it("fill placeholders and fall back from a regional locale to its language, and to English", () => {
    expect(translator("de-AT")("error.rate_limited_for", { seconds: 5 })).toBe("Zu viele Versuche. Versuchen Sie es in 5 Sekunden erneut.");
    expect(translator("pt")("signin.submit")).toBe("Sign in");
  });
});
