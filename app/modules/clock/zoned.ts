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

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time of an instant in a time zone. */
export function wallClock(instant: string | number | Date, timeZone: string): WallClock {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  // formatToParts costs some 10 µs, and a page prints the same shifts' times to everyone, many
  // times each: the answers are kept (a bounded cache, emptied when full). A text (an ISO time from
  // the database) is its own key: parsing it into a Date cost most of a cached answer's time.
  const key = typeof instant === "string" ? `${timeZone}|${instant}` : `${timeZone} ${new Date(instant).getTime()}`;
  const known = remembered.get(key);
  if (known) return known;
  const at = new Date(instant);
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(at)) if (part.type !== "literal") parts[part.type] = Number(part.value);
  const { year = NaN, month = NaN, day = NaN, hour = NaN, minute = NaN } = parts;
  const result = Object.freeze({ year, month, day, hour: hour % 24, minute, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() });
  if (remembered.size >= REMEMBER) remembered.clear();
  remembered.set(key, result);
  return result;
}

const REMEMBER = 8192;
const remembered = new Map<string, WallClock>();

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
