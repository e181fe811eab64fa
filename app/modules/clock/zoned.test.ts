import { TZDate } from "@date-fns/tz";
import { format } from "date-fns";
import { enUS } from "date-fns/locale/en-US";
import { es } from "date-fns/locale/es";
import { describe, expect, it } from "vitest";
import { formatDay, formatTime, localDate, localDateTime, localDateTimeValue } from "./format";

/**
 * The formatting in ./zoned replaced date-fns (to keep 9 KB out of every page). date-fns stays
 * the reference: the same text for every instant, zone and language.
 */
const LOCALES = { en: enUS, es } as const;
const TIME = { en: "h:mm a", es: "H:mm" } as const;
const DAY = { en: "EEEE, MMMM d", es: "EEEE d 'de' MMMM" } as const;
const SHORT_DAY = { en: "EEE, MMM d", es: "EEE d MMM" } as const;
const inZone = (iso: string | Date, timeZone: string) => new TZDate(new Date(iso).getTime(), timeZone);

/** The date-fns implementation that was in format.ts. */
function referenceLocalDateTime(text: string, timeZone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  if (y < 2000 || y > 2100) return null;
  const date = new TZDate(y, mo - 1, d, h, mi, timeZone);
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

const ZONES = [
  "America/Chicago",
  "America/New_York",
  "America/Los_Angeles",
  "America/Phoenix",
  "America/Puerto_Rico",
  "America/St_Johns",
  "Pacific/Honolulu",
  "Europe/Madrid",
  "Asia/Kolkata",
  "Australia/Lord_Howe",
  "UTC",
];

/** Daylight-saving changes in the zones above (US, EU, Lord Howe). */
const DST_DAYS = ["2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01"];

describe("wall-clock formatting without date-fns", () => {
  it("prints what date-fns printed: 2026 and 2027 every 997 minutes, and every 15 minutes of daylight-saving days, in 11 zones, en and es", () => {
    const instants: number[] = [];
    for (let at = Date.UTC(2026, 0, 1); at < Date.UTC(2028, 0, 1); at += 997 * 60_000) instants.push(at);
    for (const day of DST_DAYS) for (let at = Date.parse(`${day}T00:00:00Z`) - 86_400_000; at < Date.parse(`${day}T00:00:00Z`) + 2 * 86_400_000; at += 15 * 60_000) instants.push(at);
    let checked = 0;
    for (const timeZone of ZONES) {
      for (const at of instants) {
        const iso = new Date(at).toISOString();
        const zoned = inZone(iso, timeZone);
        for (const l of ["en", "es"] as const) {
          const want = [format(zoned, TIME[l], { locale: LOCALES[l] }), format(zoned, DAY[l], { locale: LOCALES[l] }), format(zoned, SHORT_DAY[l], { locale: LOCALES[l] })];
          const got = [formatTime(iso, timeZone, l), formatDay(iso, timeZone, l), formatDay(iso, timeZone, l, true)];
          if (got.join("|") !== want.join("|")) expect({ iso, timeZone, l, got }).toEqual({ iso, timeZone, l, got: want });
        }
        const want = [format(zoned, "yyyy-MM-dd"), format(zoned, "yyyy-MM-dd'T'HH:mm")];
        const got = [localDate(iso, timeZone), localDateTimeValue(iso, timeZone)];
        if (got.join("|") !== want.join("|")) expect({ iso, timeZone, got }).toEqual({ iso, timeZone, got: want });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  }, 120_000);

  it("reads wall-clock times as date-fns did, across every daylight-saving change and impossible dates", () => {
    let checked = 0;
    const days = [...DST_DAYS, "2026-03-15", "2026-11-26", "2026-02-28", "2028-02-29"];
    for (const timeZone of ZONES) {
      for (const day of days) {
        for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
          const text = `${day}T${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
          expect([text, timeZone, localDateTime(text, timeZone)?.toISOString() ?? null]).toEqual([
            text,
            timeZone,
            referenceLocalDateTime(text, timeZone)?.toISOString() ?? null,
          ]);
          checked++;
        }
      }
      for (const text of ["2026-02-31T10:00", "2026-02-29T10:00", "2026-03-01T25:99", "2026-13-01T10:00", "2026-00-10T10:00", "1999-12-31T23:59", "2101-01-01T00:00", "2026-11-26 09:30"]) {
        expect([text, localDateTime(text, timeZone)]).toEqual([text, referenceLocalDateTime(text, timeZone)]);
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});
