import { getZodConstraint } from "@conform-to/zod";
import { describe, expect, it } from "vitest";
import { ReportSchema } from "~/modules/reports/schema";
import { SettingsSchema } from "~/modules/settings/schema";
import { CreateShiftSchema, UpdateShiftSchema } from "~/modules/shifts/schema";
import { constraintOf } from "~/utils/form.server";
import { limitsOf, textLimitsOf } from "./field";

describe("form limits come from the zod schemas", () => {
  it("reads lengths, ranges and required from a schema", () => {
    const settings = getZodConstraint(SettingsSchema);
    expect(limitsOf(settings.name!)).toEqual({ required: true, minLength: 1, maxLength: 120, min: undefined, max: undefined });
    expect(limitsOf(settings.retentionDays!)).toMatchObject({ min: 30, max: 3650 });
    expect(limitsOf(getZodConstraint(CreateShiftSchema).capacity!)).toMatchObject({ required: true, min: 1, max: 100 });
  });

  it("reads a repeated group's fields by index", () => {
    const report = getZodConstraint(ReportSchema);
    expect(limitsOf(report["officers[3].name"]!)).toMatchObject({ required: false, maxLength: 120 });
    expect(limitsOf(report["detained[0].aNumber"]!)).toMatchObject({ maxLength: 20 });
    expect(textLimitsOf(report.narrative!)).toEqual({ required: false, minLength: undefined, maxLength: 10000 });
  });

  it("sends plain data where zod stays off the page", () => {
    const update = constraintOf(UpdateShiftSchema);
    expect(JSON.parse(JSON.stringify(update)).capacity).toEqual({ required: true, min: 1, max: 100 });
  });
});
