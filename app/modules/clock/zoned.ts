/**
 * Wall-clock times in the organisation's time zone, for the server and the browser alike, without
 * date-fns (9 KB gzip on every page that shows a time). Only numbers come from Intl (the time zone
 * rules); month and day names are this file's own, so the server and the browser print exactly
 * the same text whatever their ICU versions. zoned.test.ts checks every result against date-fns.
 */

export interface WallClock {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  /** 0–23 */
  hour: number;
  minute: number;
  /** 0 = Sunday */
  weekday: number;
}

/** Per time zone: its formatter, and the answers it gave (a bounded cache, emptied when full). */
interface Zone {
  formatter: Intl.DateTimeFormat;
  byText: Map<string, WallClock>;
  byTime: Map<number, WallClock>;
}
const zones = new Map<string, Zone>();
const REMEMBER = 4096;

function zone(timeZone: string): Zone {
  let known = zones.get(timeZone);
  if (!known) {
    const formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    known = { formatter, byText: new Map(), byTime: new Map() };
    zones.set(timeZone, known);
  }
  return known;
}

/**
 * The wall-clock time of an instant in a time zone. formatToParts costs some 10 µs, and a page
 * prints the same shifts' times to everyone, several times each (GET /shifts asks about 370 times
 * for 67 shifts): the answers are kept, by the text itself for an ISO time (parsing it into a Date
 * cost most of a kept answer's time) and by the millisecond for a Date or a number, without
 * building a key.
 */
export function wallClock(instant: string | number | Date, timeZone: string): WallClock {
  const z = zone(timeZone);
  const byText = typeof instant === "string";
  const time = byText ? NaN : typeof instant === "number" ? instant : instant.getTime();
  const known = byText ? z.byText.get(instant) : z.byTime.get(time);
  if (known) return known;
  const at = new Date(byText ? instant : time);
  const parts: Record<string, number> = {};
  for (const part of z.formatter.formatToParts(at)) if (part.type !== "literal") parts[part.type] = Number(part.value);
  const { year = NaN, month = NaN, day = NaN, hour = NaN, minute = NaN } = parts;
  const result = Object.freeze({ year, month, day, hour: hour % 24, minute, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() });
  const cache = byText ? z.byText : z.byTime;
  if (cache.size >= REMEMBER) cache.clear();
  if (byText) z.byText.set(instant, result);
  else z.byTime.set(time, result);
  return result;
}

/**
 * The instant a wall-clock time names in a time zone: null when it does not exist (31 February,
 * 25:99, or a time skipped when the clocks go forward). A time that happens twice when the clocks
 * go back is read with the offset in force at that wall-clock time taken as UTC, as date-fns's
 * TZDate read it: the earlier of the two west of Greenwich, the later east of it.
 */
export function fromWallClock(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date | null {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  if (Number.isNaN(asUtc)) return null;
  const offset = (at: number) => {
    const w = wallClock(at, timeZone);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(at / 60_000) * 60_000;
  };
  for (const o of new Set([offset(asUtc), offset(asUtc - 86_400_000), offset(asUtc + 86_400_000)])) {
    const w = wallClock(asUtc - o, timeZone);
    if (w.year === year && w.month === month && w.day === day && w.hour === hour && w.minute === minute) return new Date(asUtc - o);
  }
  return null;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** "2026-11-26" */
export const isoDate = (w: WallClock) => `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
/** "2026-11-26T09:30" */
export const isoDateTime = (w: WallClock) => `${isoDate(w)}T${pad(w.hour)}:${pad(w.minute)}`;

const NAMES = {
  en: {
    days: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    shortDays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    months: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    shortMonths: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
  },
  es: {
    days: ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
    shortDays: ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"],
    months: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"],
    shortMonths: ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
  },
} as const;

export type DateLanguage = keyof typeof NAMES;

/** "6:00 PM" (en), "18:00" (es) */
export function clockTime(w: WallClock, language: DateLanguage) {
  if (language === "es") return `${w.hour}:${pad(w.minute)}`;
  return `${w.hour % 12 || 12}:${pad(w.minute)} ${w.hour < 12 ? "AM" : "PM"}`;
}

/** "Friday, November 27" / "Fri, Nov 27" (en); "viernes 27 de noviembre" / "vie 27 nov" (es) */
export function dayName(w: WallClock, language: DateLanguage, short = false) {
  const n = NAMES[language];
  if (language === "es") return short ? `${n.shortDays[w.weekday]} ${w.day} ${n.shortMonths[w.month - 1]}` : `${n.days[w.weekday]} ${w.day} de ${n.months[w.month - 1]}`;
  return short ? `${n.shortDays[w.weekday]}, ${n.shortMonths[w.month - 1]} ${w.day}` : `${n.days[w.weekday]}, ${n.months[w.month - 1]} ${w.day}`;
}
