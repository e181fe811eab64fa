import { clockTime, dayName, fromWallClock, isoDate, isoDateTime, wallClock, type DateLanguage } from "./zoned";

// Not Intl's own wording: the server and the browser must print exactly the same text (./zoned).
const lang = (value: string): DateLanguage => (value.startsWith("es") ? "es" : "en");

export function formatTime(iso: string, timeZone: string, language: string) {
  return clockTime(wallClock(iso, timeZone), lang(language));
}

export function formatDay(iso: string, timeZone: string, language: string, short = false) {
  return dayName(wallClock(iso, timeZone), lang(language), short);
}

/** "Fri, Nov 27, 2026" / "vie 27 nov 2026": a day that may be in another year (a due date). */
export function formatDayWithYear(iso: string, timeZone: string, language: string) {
  const w = wallClock(iso, timeZone);
  return `${dayName(w, lang(language), true)}${lang(language) === "es" ? " " : ", "}${w.year}`;
}

/** "Friday, November 27 · 6:00 PM – 10:00 PM" (the end day is named when it differs). */
export function formatShiftTime(startsAt: string, endsAt: string, timeZone: string, language: string, short = false) {
  const sameDay = localDate(startsAt, timeZone) === localDate(endsAt, timeZone);
  const end = sameDay ? formatTime(endsAt, timeZone, language) : `${formatDay(endsAt, timeZone, language, true)} ${formatTime(endsAt, timeZone, language)}`;
  return `${formatDay(startsAt, timeZone, language, short)} · ${formatTime(startsAt, timeZone, language)} – ${end}`;
}

/** yyyy-mm-dd of an instant in the organisation's time zone. */
export const localDate = (iso: string | Date, timeZone: string) => isoDate(wallClock(iso, timeZone));

/** Whether check-in is open: from 30 minutes before the start until the end. */
export const checkInOpen = (startsAt: string, endsAt: string, now = Date.now()) =>
  now >= new Date(startsAt).getTime() - 30 * 60_000 && now < new Date(endsAt).getTime();

/** "2026-11-26T09:30": an instant as a datetime-local field's value in the organisation's time zone. */
export const localDateTimeValue = (iso: string | Date, timeZone: string) => isoDateTime(wallClock(iso, timeZone));

/** "2026-11-26T09:30" read as a wall-clock time in the organisation's time zone. */
export function localDateTime(text: string, timeZone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  if (y < 2000 || y > 2100) return null;
  // Impossible dates (31 February, 25:99) and times skipped by a daylight-saving change are null.
  return fromWallClock(y, mo, d, h, mi, timeZone);
}
