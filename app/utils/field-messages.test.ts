import { parseWithZod } from "@conform-to/zod";
import { createInstance, type TFunction } from "i18next";
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { translateError } from "~/components/ui/field";
import { i18nConfig } from "~/i18n/config";
import { ProfileSchema } from "~/modules/people/profile-schema";
import { InviteSchema } from "~/modules/people/schema";
import { SettingsSchema } from "~/modules/settings/schema";
import { CreateShiftSchema, EditSeriesSchema, RescheduleShiftSchema } from "~/modules/shifts/schema";
import { RecordTrainingSchema } from "~/modules/people/observers-schema";
import { ZoneSchema } from "~/modules/zones/schema";
import { ReportSchema } from "~/modules/reports/schema";
import { slotErrors } from "~/modules/reports/slot-errors";

const t: Record<string, TFunction> = {};
beforeAll(async () => {
  for (const lng of ["en", "es"]) {
    const i18n = createInstance();
    await i18n.init({ ...i18nConfig, lng });
    t[lng] = i18n.t;
  }
});

function firstError(schema: z.ZodTypeAny, values: Record<string, string>, field: string) {
  const form = new FormData();
  for (const [k, v] of Object.entries(values)) form.append(k, v);
  const submission = parseWithZod(form, { schema });
  return submission.status === "error" ? submission.error?.[field]?.[0] : undefined;
}

const shift = { intent: "create", zoneId: "0b9c6f5e-1a64-4d4e-9d8e-7c8f1b2a3c4d", date: "2027-03-01", startTime: "18:00", endTime: "22:00", capacity: "4" };
const reschedule = { intent: "reschedule", date: "2027-03-01", startTime: "18:00", endTime: "22:00" };
const series = { intent: "editSeries", from: "2027-03-01", startTime: "18:00", endTime: "22:00", capacity: "4" };
const training = { intent: "training", userIds: "0b9c6f5e-1a64-4d4e-9d8e-7c8f1b2a3c4d", trainingDate: "2026-11-02" };
const zone = { intent: "save", name: "Pilsen", priority: "2", geometry: '{"type":"Polygon","coordinates":[[[-87.66,41.85],[-87.64,41.85],[-87.64,41.86],[-87.66,41.85]]]}' };

// [schema, valid values, field, bad value, English message]
const CASES: [string, z.ZodTypeAny, Record<string, string>, string, string, string][] = [
  ["profile name missing", ProfileSchema, { displayName: "Ana", preferredLanguage: "es" }, "displayName", "", "Fill in “Name”."],
  ["profile phone too long", ProfileSchema, { displayName: "Ana", preferredLanguage: "es" }, "phone", "1".repeat(41), "“Phone” must be 40 characters or fewer."],
  ["invitee name too long", InviteSchema, { intent: "invite", email: "a@example.org", displayName: "Ana", roles: "observer" }, "displayName", "x".repeat(121), "“Name” must be 120 characters or fewer."],
  ["settings months not whole", SettingsSchema, { name: "Org", timeZone: "UTC" }, "trainingValidMonths", "1.5", "Enter “Training stays valid for (months)” as a whole number, like 12."],
  ["settings media too large", SettingsSchema, { name: "Org", timeZone: "UTC" }, "mediaMaxMb", "2048", "“Largest photo or video (MB)” can't be more than 1024."],
  ["settings retention too small", SettingsSchema, { name: "Org", timeZone: "UTC" }, "retentionDays", "7", "“Keep closed cases for (days)” can't be less than 30."],
  ["shift capacity too small", CreateShiftSchema, shift, "capacity", "0", "“Observers needed” can't be less than 1."],
  ["shift capacity not a number", CreateShiftSchema, shift, "capacity", "four", "Enter “Observers needed” as a whole number, like 4."],
  ["shift start time", CreateShiftSchema, shift, "startTime", "25:00", "Enter “Start time” as a time, like 18:00."],
  ["shift date", CreateShiftSchema, shift, "date", "2027-02-30", "Enter “Date (first day of a series)” as a real date, like 2026-12-31."],
  ["shift date missing", CreateShiftSchema, shift, "date", "", "Fill in “Date (first day of a series)”."],
  ["zone name missing", ZoneSchema, zone, "name", "", "Fill in “Name”."],
  // a shift's change forms name their own date field, not the create form's
  ["reschedule day missing", RescheduleShiftSchema, reschedule, "date", "", "Fill in “Day”."],
  ["series from not a date", EditSeriesSchema, series, "from", "2027-02-30", "Enter “From” as a real date, like 2026-12-31."],
  ["series capacity too large", EditSeriesSchema, series, "capacity", "101", "“Spots on each shift” can't be more than 100."],
  ["training date missing", RecordTrainingSchema, training, "trainingDate", "", "Fill in “Training date”."],
  ["training date not a date", RecordTrainingSchema, training, "trainingDate", "2026-13-01", "Enter “Training date” as a real date, like 2026-12-31."],
  ["zone notes too long", ZoneSchema, zone, "notes", "n".repeat(2001), "“Notes” must be 2000 characters or fewer."],
];

describe("form messages name the field and what is wrong, in English and Spanish", () => {
  it.each(CASES)("%s", (_, schema, valid, field, bad, english) => {
    const message = firstError(schema, { ...valid, [field]: bad }, field);
    expect(message).toBeDefined();
    expect(translateError(t.en!, message!)).toBe(english);
    const spanish = translateError(t.es!, message!);
    expect(spanish).not.toMatch(/^[a-zA-Z]+\.|\{\{/);
    expect(spanish).not.toBe(english);
  });
});

describe("the report form's numbered groups name the slot in their messages", () => {
  const report = { clientUuid: "0b9c6f5e-1a64-4d4e-9d8e-7c8f1b2a3c4d", occurredAt: "2026-12-01T10:00", crossStreets: "Cermak & Blue Island" };
  // [field, bad value, English, Spanish]
  const SLOTS: [string, string, string, string][] = [
    ["officers[1].name", "o".repeat(121), "“Officer 2: Name” must be 120 characters or fewer.", "«Agente 2: Nombre» puede tener como máximo 120 caracteres."],
    ["officers[0].badge", "1".repeat(41), "“Officer 1: Badge number” must be 40 characters or fewer.", "«Agente 1: Número de placa» puede tener como máximo 40 caracteres."],
    ["vehicles[1].colour", "c".repeat(41), "“Vehicle 2: Colour” must be 40 characters or fewer.", "«Vehículo 2: Color» puede tener como máximo 40 caracteres."],
    ["vehicles[2].plate", "P".repeat(21), "“Vehicle 3: Plate” must be 20 characters or fewer.", "«Vehículo 3: Placas» puede tener como máximo 20 caracteres."],
    ["detained[0].whereTaken", "w".repeat(301), "“Detained person 1: Where they were taken” must be 300 characters or fewer.", "«Persona detenida 1: A dónde se llevaron a la persona» puede tener como máximo 300 caracteres."],
    ["witnesses[1].contact", "c".repeat(301), "“Witness 2: Contact” must be 300 characters or fewer.", "«Testigo 2: Contacto» puede tener como máximo 300 caracteres."],
  ];
  it.each(SLOTS)("%s", (field, bad, english, spanish) => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ ...report, [field]: bad })) form.append(k, v);
    const submission = parseWithZod(form, { schema: ReportSchema });
    const errors = slotErrors(submission.status === "error" ? (submission.error ?? {}) : {});
    expect(Object.keys(errors)).toEqual([field]);
    expect(translateError(t.en!, errors[field]![0]!)).toBe(english);
    expect(translateError(t.es!, errors[field]![0]!)).toBe(spanish);
  });

  it("leaves other fields' messages as they are", () => {
    const errors = { narrative: ["formErrors.required|{\"field\":\"reports.narrative\"}"], clientUuid: ["reports.errors.clientUuid"] };
    expect(slotErrors(errors)).toEqual(errors);
  });
});
