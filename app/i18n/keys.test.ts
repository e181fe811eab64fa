import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { createInstance } from "i18next";
import { describe, expect, it } from "vitest";
import { i18nConfig } from "./config";

const NAMESPACES = ["app", "nav", "roles", "home", "kyr", "login", "people", "profile", "settings", "outbox", "email", "errors", "titles", "zones", "shifts", "coverage", "myShifts", "calendar", "schedule", "reports", "keys", "share", "reviewFilters", "reviewMap", "evidence", "review", "live", "dispatch", "alerts", "formErrors", "counts", "phone"];
const KEY = new RegExp(`["'\`]((?:${NAMESPACES.join("|")})\\.[A-Za-z0-9_.]+)["'\`]`, "g");

/** Strings that look like keys but are not (a download's file name). */
const NOT_KEYS = new Set(["zones.geojson"]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === "locales" ? [] : sources(full);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith(".test.ts") ? [full] : [];
  });
}

describe("i18n keys", () => {
  const used = new Map<string, string>();
  for (const file of sources(path.resolve("app"))) {
    for (const match of readFileSync(file, "utf8").matchAll(KEY)) {
      if (!NOT_KEYS.has(match[1]!)) used.set(match[1]!, path.relative(process.cwd(), file));
    }
  }

  it("finds the keys the code uses", () => {
    // A broken pattern would find nothing and pass everything below.

    expect(used.size).toBeGreaterThan(100);
  });

  for (const lng of ["en", "es"] as const) {
    it(`every key used in the code exists in ${lng}`, async () => {
      const i18n = createInstance();
      await i18n.init({ ...i18nConfig, lng });
      // Plural keys exist as key_one / key_other.
      const missing = [...used].filter(([key]) => !i18n.exists(key) && !i18n.exists(`${key}_other`)).map(([key, file]) => `${key} (${file})`);
      expect(missing).toEqual([]);
    });
  }
});
