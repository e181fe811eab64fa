import { TZDate } from "@date-fns/tz";
import { z } from "zod";

export const PRESETS = { "12h": 12, "24h": 24, "7d": 24 * 7 } as const;
export type Preset = keyof typeof PRESETS;
const MAX_DAYS = 31;

/** "2026-11-26T09:30" read as a wall-clock time in the organisation's time zone. */
export function localDateTime(text: string, timeZone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  if (y < 2000 || y > 2100) return null;
  const date = new TZDate(y, mo - 1, d, h, mi, timeZone);
  // Impossible dates (31 February, 25:99) and times skipped by a daylight-saving change do not read back.
  if (
    Number.isNaN(date.getTime()) ||
    date.getFullYear() !== y ||
    date.getMonth() !== mo - 1 ||
    date.getDate() !== d ||
    date.getHours() !== h ||
    date.getMinutes() !== mi
  ) {
    return null;
  }
  return new Date(date.getTime());
}

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
