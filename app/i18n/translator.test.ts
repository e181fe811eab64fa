import { createInstance } from "i18next";
import { describe, expect, it } from "vitest";
import { i18nConfig, resources, supportedLanguages } from "./config";
import { createClientI18n, translate, type Translations } from "./translator";

/**
 * The browser translates with ./translator and the server with i18next: a page hydrates only if
 * both print the same. Every key, with and without its variables, with counts, in every language.
 */
function leaves(node: unknown, prefix = ""): [string, unknown][] {
  if (node === null || typeof node !== "object") return [[prefix, node]];
  return Object.entries(node).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}
function objects(node: unknown, prefix = ""): string[] {
  if (node === null || typeof node !== "object") return [];
  return [...(prefix ? [prefix] : []), ...Object.entries(node).flatMap(([k, v]) => objects(v, prefix ? `${prefix}.${k}` : k))];
}

describe("the browser's translator prints what i18next prints", () => {
  for (const lng of supportedLanguages) {
    it(`every key in ${lng}`, async () => {
      const i18n = createInstance();
      await i18n.init({ ...i18nConfig, lng });
      const data = resources[lng].translation as unknown as Translations;
      const calls: [string, Record<string, unknown> | undefined][] = [];
      for (const [path, value] of leaves(data)) {
        const names = [...String(value).matchAll(/{{-?\s*([^}]+?)\s*}}/g)].map((m) => m[1]!);
        const vars = Object.fromEntries(names.map((n, i) => [n, i % 2 ? `«${n}»` : 1000 + i]));
        const base = path.replace(/_(zero|one|two|few|many|other)$/, "");
        calls.push([path, undefined], [path, vars], [`${path}.nothing`, undefined]);
        for (const count of [0, 1, 2, 5, 21, 1.5, 100]) calls.push([base, { ...vars, count }]);
        // A variable left out stays as it is; one given as undefined becomes empty.
        if (names.length) calls.push([path, { [names[0]!]: undefined }]);
      }
      let checked = 0;
      for (const [key, options] of calls) {
        const want = options ? i18n.t(key, options) : i18n.t(key);
        const got = translate(data, lng, key, options);
        if (got !== want) expect({ key, options, got }).toEqual({ key, options, got: want });
        checked++;
      }
      for (const key of objects(data)) {
        expect([key, translate(data, lng, key, { returnObjects: true })]).toEqual([key, i18n.t(key, { returnObjects: true })]);
        checked++;
      }
      expect(checked).toBeGreaterThan(5000);
    });
  }

  it("switches language once the other language's file is in", async () => {
    const fetched: string[] = [];
    const i18n = createClientI18n("en", resources.en.translation as unknown as Translations, async (lng) => {
      fetched.push(lng);
      return resources[lng as "es"].translation as unknown as Translations;
    });
    const changes: string[] = [];
    i18n.subscribe(() => changes.push(i18n.language));
    expect(i18n.t("app.signOut")).toBe("Sign out");
    await i18n.changeLanguage("es");
    expect([i18n.language, i18n.t("app.signOut"), fetched, changes]).toEqual(["es", resources.es.translation.app.signOut, ["es"], ["es"]]);
    await i18n.changeLanguage("en");
    await i18n.changeLanguage("es");
    expect(fetched).toEqual(["es"]);
  });
});
