import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resources } from "./config";

/** The offline page (public/offline.html) is static, so its know-your-rights card is a copy: it must say what the app says. */
describe("the offline page's know-your-rights card", () => {
  const html = readFileSync(path.resolve("public/offline.html"), "utf8");
  for (const language of ["en", "es"] as const) {
    it(`is the app's, in ${language}`, () => {
      const section = new RegExp(`<section lang="${language}"[\\s\\S]*?</section>`).exec(html)?.[0] ?? "";
      const kyr = resources[language].translation.kyr;
      expect(section).toContain(`<h2 id="kyr-${language}">${kyr.title}</h2>`);
      const items = [...section.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]);
      expect(items).toEqual(kyr.items);
    });
  }
});
