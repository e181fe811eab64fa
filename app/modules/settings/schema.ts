import { z } from "zod";

const timeZones = new Set(Intl.supportedValuesOf("timeZone").concat("UTC"));

export const SettingsSchema = z.object({
  name: z.string({ required_error: "errors.required" }).trim().min(1, "errors.required").max(120, "errors.tooLong"),
  timeZone: z.string({ required_error: "errors.required" }).trim().refine((tz) => timeZones.has(tz), "errors.timeZone"),
  hotlineNumber: z.string().trim().max(40, "errors.tooLong").optional().default(""),
  mapTileUrl: z
    .string()
    .trim()
    .max(500, "errors.tooLong")
    .refine((u) => /^https:\/\/[^\s]+$/.test(u) && ["{z}", "{x}", "{y}"].every((p) => u.includes(p)), "errors.url")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  mapAttribution: z.string().trim().max(500, "errors.tooLong").optional().default(""),
  trainingValidMonths: z.coerce
    .number({ invalid_type_error: "settings.errors.trainingMonths", required_error: "errors.required" })
    .int("settings.errors.trainingMonths")
    .min(1, "settings.errors.trainingMonths")
    .max(120, "settings.errors.trainingMonths")
    .default(12),
  mediaMaxMb: z.coerce
    .number({ invalid_type_error: "settings.errors.mediaMaxMb", required_error: "errors.required" })
    .int("settings.errors.mediaMaxMb")
    .min(1, "settings.errors.mediaMaxMb")
    .max(1024, "settings.errors.mediaMaxMb")
    .default(100),
  defaultLanguage: z.enum(["en", "es"], { invalid_type_error: "errors.required" }).default("en"),
  retentionDays: z.coerce
    .number({ invalid_type_error: "settings.errors.retentionDays", required_error: "errors.required" })
    .int("settings.errors.retentionDays")
    .min(30, "settings.errors.retentionDays")
    .max(3650, "settings.errors.retentionDays")
    .default(365),
  alertDelayMinutes: z.coerce
    .number({ invalid_type_error: "alerts.settings.delayError", required_error: "errors.required" })
    .int("alerts.settings.delayError")
    .min(0, "alerts.settings.delayError")
    .max(10080, "alerts.settings.delayError")
    .default(60),
  alertExpiryDays: z.coerce
    .number({ invalid_type_error: "alerts.settings.expiryError", required_error: "errors.required" })
    .int("alerts.settings.expiryError")
    .min(1, "alerts.settings.expiryError")
    .max(90, "alerts.settings.expiryError")
    .default(7),
});

export type SettingsInput = z.infer<typeof SettingsSchema>;
