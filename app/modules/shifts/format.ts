import { TZDate } from "@date-fns/tz";
import { format } from "date-fns";
import { enUS } from "date-fns/locale/en-US";
import { es } from "date-fns/locale/es";

// date-fns rather than Intl: the server and the browser must print exactly the same text.
const LOCALES = { en: enUS, es } as const;
type Lang = keyof typeof LOCALES;
const lang = (value: string): Lang => (value.startsWith("es") ? "es" : "en");

const TIME = { en: "h:mm a", es: "H:mm" } as const;
const DAY = { en: "EEEE, MMMM d", es: "EEEE d 'de' MMMM" } as const;
const SHORT_DAY = { en: "EEE, MMM d", es: "EEE d MMM" } as const;

export const inZone = (iso: string | Date, timeZone: string) => new TZDate(new Date(iso).getTime(), timeZone);

export function formatTime(iso: string, timeZone: string, language: string) {
  const l = lang(language);
  return format(inZone(iso, timeZone), TIME[l], { locale: LOCALES[l] });
}

export function formatDay(iso: string, timeZone: string, language: string, short = false) {
  const l = lang(language);
  return format(inZone(iso, timeZone), (short ? SHORT_DAY : DAY)[l], { locale: LOCALES[l] });
}

/** "Friday, November 27 · 6:00 PM – 10:00 PM" (the end day is named when it differs). */
export function formatShiftTime(startsAt: string, endsAt: string, timeZone: string, language: string, short = false) {
  const sameDay = localDate(startsAt, timeZone) === localDate(endsAt, timeZone);
  const end = sameDay ? formatTime(endsAt, timeZone, language) : `${formatDay(endsAt, timeZone, language, true)} ${formatTime(endsAt, timeZone, language)}`;
  return `${formatDay(startsAt, timeZone, language, short)} · ${formatTime(startsAt, timeZone, language)} – ${end}`;
}

/** yyyy-mm-dd of an instant in the organisation's time zone. */
export const localDate = (iso: string | Date, timeZone: string) => format(inZone(iso, timeZone), "yyyy-MM-dd");

/** Whether check-in is open: from 30 minutes before the start until the end. */
export const checkInOpen = (startsAt: string, endsAt: string, now = Date.now()) =>
  now >= new Date(startsAt).getTime() - 30 * 60_000 && now < new Date(endsAt).getTime();

/** "2026-11-26T09:30": an instant as a datetime-local field's value in the organisation's time zone. */
export const localDateTimeValue = (iso: string | Date, timeZone: string) => format(inZone(iso, timeZone), "yyyy-MM-dd'T'HH:mm");
