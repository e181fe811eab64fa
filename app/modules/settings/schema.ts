import { z } from "zod";
import { requiredMessage, tooLongMessage } from "~/utils/field-messages";
import { wholeNumber } from "~/utils/whole-number";

const timeZones = new Set(Intl.supportedValuesOf("timeZone").concat("UTC"));

/**
 * Where "Quick exit" leaves for: a plain https address of another site, with no user name or
 * password in it, kept as the browser would write it (so the database's check matches).
 */
export function quickExitUrl(input: string): string | null {
  if (/\s/.test(input)) return null;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" || !url.hostname || url.username || url.password) return null;
  return url.href.length <= 500 ? url.href : null;
}

export const DEFAULT_QUICK_EXIT_URL = "https://weather.com/";

export const SettingsSchema = z.object({
  name: z.string({ required_error: requiredMessage("settings.name") }).trim().min(1, requiredMessage("settings.name")).max(120, tooLongMessage("settings.name", 120)),
  timeZone: z.string({ required_error: requiredMessage("settings.timeZone") }).trim().refine((tz) => timeZones.has(tz), "errors.timeZone"),
  hotlineNumber: z.string().trim().max(40, tooLongMessage("settings.hotline", 40)).optional().default(""),
  mapTileUrl: z
    .string()
    .trim()
    .max(500, tooLongMessage("settings.tileUrl", 500))
    .refine((u) => /^https:\/\/[^\s]+$/.test(u) && ["{z}", "{x}", "{y}"].every((p) => u.includes(p)), "errors.url")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  mapAttribution: z.string().trim().max(500, tooLongMessage("settings.attribution", 500)).optional().default(""),
  trainingValidMonths: wholeNumber("settings.trainingMonths", 1, 120, 12)
    .default(12),
  mediaMaxMb: wholeNumber("settings.mediaMaxMb", 1, 1024, 100)
    .default(100),
  defaultLanguage: z.enum(["en", "es"], { invalid_type_error: "errors.required" }).default("en"),
  retentionDays: wholeNumber("settings.retentionDays", 30, 3650, 365)
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
  // The two below are left as they were when a form without them is sent (an older page).
  quickExitUrl: z
    .string()
    .trim()
    .max(500, "wipe.errors.quickExitUrl")
    .transform((u, ctx) => quickExitUrl(u) ?? (ctx.addIssue({ code: "custom", message: "wipe.errors.quickExitUrl" }), z.NEVER))
    .optional(),
  draftTtlHours: z.coerce
    .number({ invalid_type_error: "wipe.errors.draftTtlHours" })
    .int("wipe.errors.draftTtlHours")
    .min(1, "wipe.errors.draftTtlHours")
    .max(168, "wipe.errors.draftTtlHours")
    .optional(),
});

export type SettingsInput = z.infer<typeof SettingsSchema>;
