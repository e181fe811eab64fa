import { parseWithZod } from "@conform-to/zod";
import { beforeAll, describe, expect, it } from "vitest";
import { withSystem } from "~/db/client.server";
import { createCast } from "../../../tests/setup/personas";
import { SettingsSchema } from "./schema";
import { readSettings, updateSettings } from "./settings.server";
import { tooLargeMessage, tooSmallMessage, wholeNumberMessage } from "~/utils/field-messages";

let cast: Awaited<ReturnType<typeof createCast>>;
beforeAll(async () => {
  cast = await createCast();
});

function form(overrides: Record<string, string>) {
  const data = new FormData();
  const base = { name: "Testigo Chicago", timeZone: "America/Chicago", trainingValidMonths: "12", mediaMaxMb: "100", retentionDays: "365", ...overrides };
  for (const [k, v] of Object.entries(base)) data.set(k, v);
  return data;
}

describe("retention period setting", () => {
  it("accepts whole days from 30 to 3650, and anything else is an error on that field", () => {
    for (const ok of ["30", "365", "3650"]) {
      const submission = parseWithZod(form({ retentionDays: ok }), { schema: SettingsSchema });
      expect(submission.status).toBe("success");
      if (submission.status === "success") expect(submission.value.retentionDays).toBe(Number(ok));
    }
    // each failure says what is wrong with this field
    const tooFew = tooSmallMessage("settings.retentionDays", 30);
    const tooMany = tooLargeMessage("settings.retentionDays", 3650);
    const notWhole = wholeNumberMessage("settings.retentionDays", 365);
    for (const [bad, message] of [["29", tooFew], ["3651", tooMany], ["0", tooFew], ["-5", tooFew], ["90.5", notWhole], ["abc", notWhole], ["1e9", tooMany]]) {
      const submission = parseWithZod(form({ retentionDays: bad! }), { schema: SettingsSchema });
      expect(submission.status, bad).toBe("error");
      expect(submission.reply().error, bad).toEqual({ retentionDays: [message] });
    }
    // left empty: the default, like the other numeric settings
    const missing = parseWithZod(form({ retentionDays: "" }), { schema: SettingsSchema });
    expect(missing.status === "success" && missing.value.retentionDays).toBe(365);
  });

  it("an admin saves it and reads it back; nobody else may", async () => {
    expect((await readSettings(cast.admin_alma.claims)).retentionDays).toBe(365);
    const submission = parseWithZod(form({ retentionDays: "90" }), { schema: SettingsSchema });
    if (submission.status !== "success") throw new Error("expected a valid form");
    await updateSettings(cast.admin_alma.claims, submission.value);
    expect((await readSettings(cast.admin_alma.claims)).retentionDays).toBe(90);
    expect((await withSystem((trx) => trx.selectFrom("org_settings").select("retention_days").executeTakeFirstOrThrow())).retention_days).toBe(90);
    for (const persona of [cast.coordinator_carmen, cast.attorney_luis, cast.observer_ana]) {
      await expect(updateSettings(persona.claims, { ...submission.value, retentionDays: 30 })).rejects.toMatchObject({ status: 403 });
    }
    expect((await readSettings(cast.admin_alma.claims)).retentionDays).toBe(90);
  });
});
