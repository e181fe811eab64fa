import { formatDay, formatShiftTime, formatTime, localDate, localDateTime, localDateTimeValue } from "./format";

/** The organisation's time zone until an administrator chooses one (admin settings). */
export const DEFAULT_TIME_ZONE = "America/Chicago";

/** The clock's formatters bound to the organisation's time zone and a reader's language. */
export interface OrgClock {
  timeZone: string;
  language: string;
  formatTime: (iso: string) => string;
  formatDay: (iso: string, short?: boolean) => string;
  formatShiftTime: (startsAt: string, endsAt: string, short?: boolean) => string;
  localDate: (iso: string | Date) => string;
  localDateTimeValue: (iso: string | Date) => string;
  localDateTime: (text: string) => Date | null;
}

export function orgClock(timeZone: string, language: string): OrgClock {
  return {
    timeZone,
    language,
    formatTime: (iso) => formatTime(iso, timeZone, language),
    formatDay: (iso, short) => formatDay(iso, timeZone, language, short),
    formatShiftTime: (startsAt, endsAt, short) => formatShiftTime(startsAt, endsAt, timeZone, language, short),
    localDate: (iso) => localDate(iso, timeZone),
    localDateTimeValue: (iso) => localDateTimeValue(iso, timeZone),
    localDateTime: (text) => localDateTime(text, timeZone),
  };
}
