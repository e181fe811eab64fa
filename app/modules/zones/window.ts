import { z } from "zod";
import { localDateTime } from "~/modules/clock/format";

// Kept here too for the callers that read it from here (it lives in format.ts, free of zod).
export { localDateTime };

export const PRESETS = { "12h": 12, "24h": 24, "7d": 24 * 7 } as const;
export type Preset = keyof typeof PRESETS;
const MAX_DAYS = 31;

export const WindowSchema = z
  .object({
    preset: z.enum(["12h", "24h", "7d", "custom"]).default("24h"),
    from: z.string().optional(),
    to: z.string().optional(),
  })
  .default({});

/** The coverage window from the query string; a field error key when a custom one is impossible. */
export function parseWindow(params: URLSearchParams, timeZone: string, now = new Date()) {
  const entries = Object.fromEntries(params);
  // Times typed in without choosing "custom" still mean a custom window.
  if ((entries.from || entries.to) && !entries.preset) entries.preset = "custom";
  const parsed = WindowSchema.safeParse(entries);
  const value = parsed.success ? parsed.data : { preset: "24h" as const };
  if (value.preset !== "custom") {
    const hours = PRESETS[value.preset];
    return { preset: value.preset, from: now, to: new Date(now.getTime() + hours * 3_600_000), error: null };
  }
  const from = value.from ? localDateTime(value.from, timeZone) : null;
  const to = value.to ? localDateTime(value.to, timeZone) : null;
  if (!from || !to || to <= from || to.getTime() - from.getTime() > MAX_DAYS * 86_400_000) {
    return { preset: "custom" as const, from: now, to: new Date(now.getTime() + 24 * 3_600_000), error: "coverage.errors.range" };
  }
  return { preset: "custom" as const, from, to, error: null };
}
