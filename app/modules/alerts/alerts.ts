import { formatDay, formatTime } from "~/modules/clock/format";

/** Community alerts (docs/decisions/026-community-alerts.md): what both the page and the feed show. */
export type AlertKind = "confirmed" | "false_alarm";

/** The public columns of one visible alert, as community.visible_alerts returns them. */
export interface PublicAlert {
  id: string;
  kind: AlertKind;
  zoneName: string;
  agencies: string[];
  activities: string[];
  /** The incident's time floored to 15 minutes (ISO). */
  occurredAt: string;
  publicText: string;
  /** When it first appeared on the public page (ISO). */
  shownAt: string;
}

const QUARTER_HOUR_MS = 15 * 60 * 1000;

/** Floors a time to its quarter hour, as the database does (date_bin('15 minutes', …, 2000-01-01 UTC)). */
export function floorToQuarterHour(date: Date): Date {
  return new Date(Math.floor(date.getTime() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS);
}

/** When a new alert for a report would first appear, as the database's trigger decides it. */
export function alertShowsFrom(kind: AlertKind, occurredAt: Date, delayMinutes: number, now: Date): Date {
  return kind === "false_alarm" ? now : new Date(occurredAt.getTime() + delayMinutes * 60_000);
}

type T = (key: string, options?: Record<string, unknown>) => string;

/** The words of one alert in a language: a title and the facts, each safe to show to anyone. */
export function describeAlert(alert: Omit<PublicAlert, "id" | "shownAt">, t: T, timeZone: string, language: string) {
  const zone = alert.zoneName || t("alerts.noZone");
  const when = `${formatDay(alert.occurredAt, timeZone, language)} · ${t("alerts.around", { time: formatTime(alert.occurredAt, timeZone, language) })}`;
  const agencies = alert.agencies.map((a) => t(`reports.agency.${a}`)).join(", ");
  const activities = alert.activities.map((a) => t(`reports.activity.${a}`)).join(", ");
  return {
    title: t(`alerts.title.${alert.kind}`, { zone }),
    kindLabel: t(`alerts.kind.${alert.kind}`),
    zone,
    when,
    agencies,
    activities,
  };
}
