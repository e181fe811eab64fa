import { z } from "zod";

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
