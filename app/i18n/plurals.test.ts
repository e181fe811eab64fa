import { createInstance } from "i18next";
import { describe, expect, it } from "vitest";
import { i18nConfig, resources } from "./config";

/** Every string of a language with its dotted key. */
function strings(tree: unknown, prefix = ""): [string, string][] {
  if (typeof tree === "string") return [[prefix, tree]];
  if (!tree || typeof tree !== "object") return [];
  return Object.entries(tree).flatMap(([key, value]) => strings(value, prefix ? `${prefix}.${key}` : key));
}

// A number after a label ("Waitlist: 3", "Observers (3)"): no noun to agree with it.
const NOT_PLURAL = new Set(["observers.listTitle", "schedule.onShift", "schedule.waitlist"]);

describe("plurals go through i18next", () => {
  for (const lng of ["en", "es"] as const) {
    it(`every ${lng} string with {{count}} is a _one/_other pair, and none says “(s)”`, () => {
      const all = strings(resources[lng].translation);
      const single = all.filter(([key, text]) => text.includes("{{count}}") && !/_(zero|one|two|few|many|other)$/.test(key) && !NOT_PLURAL.has(key));
      expect(single.map(([key]) => key)).toEqual([]);
      expect(all.filter(([, text]) => /\w\((s|es|as|os)\)/.test(text)).map(([key]) => key)).toEqual([]);
    });
  }

  it("counts people in Spanish as «1 persona detenida», «2 personas detenidas»", async () => {
    const i18n = createInstance();
    await i18n.init({ ...i18nConfig, lng: "es" });
    expect(i18n.t("counts.detainedPeople", { count: 1 })).toBe("1 persona detenida");
    expect(i18n.t("counts.detainedPeople", { count: 2 })).toBe("2 personas detenidas");
    expect(i18n.t("reports.sealedSummary", { detained: i18n.t("counts.detainedPeople", { count: 1 }), witnesses: i18n.t("counts.witnesses", { count: 1 }) })).toBe(
      "Protegido: 1 persona detenida y 1 testigo. Solo el equipo legal puede abrirlo.",
    );
    await i18n.changeLanguage("en");
    expect(i18n.t("counts.witnesses", { count: 1 })).toBe("1 witness");
    expect(i18n.t("live.staffing", { claimed: 1, count: 1 })).toBe("1 of 1 observer");
  });
});
