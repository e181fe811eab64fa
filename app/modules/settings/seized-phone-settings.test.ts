import { parseWithZod } from "@conform-to/zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withSystem } from "~/db/client.server";
import { createCast } from "../../../tests/setup/personas";
import { DEFAULT_QUICK_EXIT_URL, SettingsSchema } from "./schema";
import { publicSettings, readSettings, updateSettings } from "./settings.server";

// Where "Quick exit" leaves for and how long drafts stay on a phone (issue 18): admins set them,
// bad input is an error on its field, and the database refuses what the form would.

let cast: Awaited<ReturnType<typeof createCast>>;
beforeAll(async () => {
  cast = await createCast();
});
afterAll(async () => {
  await withSystem((trx) => trx.updateTable("org_settings").set({ quick_exit_url: DEFAULT_QUICK_EXIT_URL, draft_ttl_hours: 24 }).where("id", "=", true).execute());
});

function form(overrides: Record<string, string>) {
  const data = new FormData();
  const base = { name: "Testigo Chicago", timeZone: "America/Chicago", ...overrides };
  for (const [k, v] of Object.entries(base)) data.set(k, v);
  return data;
}
const parse = (overrides: Record<string, string>) => parseWithZod(form(overrides), { schema: SettingsSchema });

describe("quick exit address and draft lifetime settings", () => {
  it("defaults to a weather site and 24 hours, for everyone's pages", async () => {
    const settings = await readSettings(cast.admin_alma.claims);
    expect(settings.quickExitUrl).toBe("https://weather.com/");
    expect(settings.draftTtlHours).toBe(24);
    expect(await publicSettings()).toMatchObject({ quickExitUrl: "https://weather.com/", draftTtlHours: 24 });
  });

  it("accepts an https address (kept as the browser writes it) and whole hours from 1 to 168", () => {
    for (const [typed, kept] of [
      ["https://weather.com/", "https://weather.com/"],
      ["  https://www.accuweather.com  ", "https://www.accuweather.com/"],
      ["https://example.org/es/tiempo?city=chicago", "https://example.org/es/tiempo?city=chicago"],
    ]) {
      const submission = parse({ quickExitUrl: typed! });
      expect(submission.status, typed).toBe("success");
      if (submission.status === "success") expect(submission.value.quickExitUrl).toBe(kept);
    }
    for (const hours of ["1", "24", "168"]) {
      const submission = parse({ draftTtlHours: hours });
      expect(submission.status === "success" && submission.value.draftTtlHours).toBe(Number(hours));
    }
  });

  it("refuses anything else with a translated error on that field", () => {
    for (const bad of ["http://weather.com/", "weather.com", "javascript:alert(1)", "https://user:pw@weather.com/", "https://wea ther.com/", "ftp://x.org/", `https://x.org/${"a".repeat(500)}`]) {
      const submission = parse({ quickExitUrl: bad });
      expect(submission.status, bad).toBe("error");
      expect(submission.reply().error, bad).toEqual({ quickExitUrl: ["wipe.errors.quickExitUrl"] });
    }
    for (const bad of ["0", "169", "-1", "2.5", "abc", "1e9"]) {
      const submission = parse({ draftTtlHours: bad });
      expect(submission.status, bad).toBe("error");
      expect(submission.reply().error, bad).toEqual({ draftTtlHours: ["wipe.errors.draftTtlHours"] });
    }
  });

  it("an admin saves them; nobody else may; a form without them leaves them as they are", async () => {
    const submission = parse({ quickExitUrl: "https://example.org/weather", draftTtlHours: "6" });
    if (submission.status !== "success") throw new Error("expected a valid form");
    await updateSettings(cast.admin_alma.claims, submission.value);
    expect(await readSettings(cast.admin_alma.claims)).toMatchObject({ quickExitUrl: "https://example.org/weather", draftTtlHours: 6 });
    for (const persona of [cast.coordinator_carmen, cast.attorney_luis, cast.observer_ana]) {
      await expect(updateSettings(persona.claims, { ...submission.value, quickExitUrl: "https://evil.example/", draftTtlHours: 168 })).rejects.toMatchObject({ status: 403 });
    }
    const without = parse({});
    if (without.status !== "success") throw new Error("expected a valid form");
    await updateSettings(cast.admin_alma.claims, without.value);
    expect(await readSettings(cast.admin_alma.claims)).toMatchObject({ quickExitUrl: "https://example.org/weather", draftTtlHours: 6 });
  });

  it("the database refuses an address that is not https, and hours out of range", async () => {
    for (const bad of ["http://weather.com/", "javascript:alert(1)", "https://", "https://a b/"]) {
      await expect(withSystem((trx) => trx.updateTable("org_settings").set({ quick_exit_url: bad }).where("id", "=", true).execute()), bad).rejects.toThrow(/check/);
    }
    for (const bad of [0, 169]) {
      await expect(withSystem((trx) => trx.updateTable("org_settings").set({ draft_ttl_hours: bad }).where("id", "=", true).execute())).rejects.toThrow(/check/);
    }
  });
});
