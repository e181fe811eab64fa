import { TZDate } from "@date-fns/tz";

/** An instant as a date-fns TZDate in a time zone, for server code that formats with date-fns. */
export const inZone = (iso: string | Date, timeZone: string) => new TZDate(new Date(iso).getTime(), timeZone);
