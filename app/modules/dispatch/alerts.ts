import { UUID } from "~/utils/misc";
// An observer's dispatch alerts, as the banner in the app shell shows them: from the page's data,
// kept current by the dispatch events of /live/events. Loaded on every observer page, so it
// stays tiny (no schema library): payloads are checked by hand and anything odd is ignored.

export type AlertResponse = "on_my_way" | "cant";
/** Who asked observers to go: a coordinator, or the hotline to verify a call (dispatches.asked_by). */
export type AskedBy = "coordinator" | "hotline";

export interface DispatchAlert {
  id: string;
  createdAt: string;
  zoneName: string | null;
  point: { lat: number; lng: number } | null;
  crossStreets: string;
  note: string;
  response: AlertResponse | null;
  respondedAt: string | null;
  cancelled: boolean;
  askedBy: AskedBy;
}

export interface DispatchAlertState {
  /** Where the event stream resumes from. */
  cursor: string;
  /** Whose banner this is: a coordinator who is also an observer receives everyone's alert events. */
  me: string;
  /** Whether to keep a live connection: checked in now, or an alert still open. */
  live: boolean;
  alerts: DispatchAlert[];
}

/** An alert stays in the banner this long after it was sent (answered "Can't" or cancelled: not at all). */
export const ALERT_HOURS = 2;

const str = (value: unknown) => (typeof value === "string" ? value : null);
const responseOf = (value: unknown): AlertResponse | null => (value === "on_my_way" || value === "cant" ? value : null);

function pointOf(value: unknown): DispatchAlert["point"] {
  const coordinates = (value as { coordinates?: unknown } | null)?.coordinates;
  if (!Array.isArray(coordinates) || coordinates.length !== 2 || !coordinates.every((n) => typeof n === "number" && Number.isFinite(n))) return null;
  return { lng: coordinates[0] as number, lat: coordinates[1] as number };
}

/** An alert from a payload of the database (snake_case: private.dispatch_alert_payload), or null. */
export function alertOf(payload: Record<string, unknown>): DispatchAlert | null {
  const id = str(payload.dispatch_id);
  const createdAt = str(payload.created_at);
  if (!id || !UUID.test(id) || !createdAt) return null;
  return {
    id,
    createdAt: new Date(createdAt).toISOString(),
    zoneName: str(payload.zone_name),
    point: pointOf(payload.point),
    crossStreets: str(payload.cross_streets) ?? "",
    note: str(payload.note) ?? "",
    response: responseOf(payload.response),
    respondedAt: str(payload.responded_at),
    cancelled: payload.cancelled_at !== null && payload.cancelled_at !== undefined,
    askedBy: payload.asked_by === "hotline" ? "hotline" : "coordinator",
  };
}

/** Applies one event (kind and payload) to the alerts; events about anything else change nothing. */
export function applyAlertEvent(alerts: DispatchAlert[], kind: string, payload: Record<string, unknown>, me: string): DispatchAlert[] {
  if (kind === "dispatch_alert" || kind === "dispatch_answered") {
    // Someone else's alert or answer: seen by coordinators (RLS lets them), never their own banner's.
    if (str(payload.observer_id) !== me) return alerts;
    const alert = alertOf(payload);
    if (!alert) return alerts;
    const known = alerts.find((a) => a.id === alert.id);
    // Cancelled stays cancelled, whatever order events and the page's data arrive in.
    const merged = known ? { ...alert, cancelled: alert.cancelled || known.cancelled } : alert;
    return [merged, ...alerts.filter((a) => a.id !== alert.id)].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
  if (kind === "dispatch_cancelled") {
    const id = str(payload.dispatch_id);
    return alerts.map((a) => (a.id === id ? { ...a, cancelled: true } : a));
  }
  return alerts;
}

/** Whether the banner shows an alert at `now`: not cancelled, not answered "Can't", and recent. */
export const isOpenAlert = (alert: DispatchAlert, now: number) =>
  !alert.cancelled && alert.response !== "cant" && new Date(alert.createdAt).getTime() > now - ALERT_HOURS * 3_600_000;

/** A `geo:` link: opens the phone's own map app at the place; nothing is sent to anyone else. */
export const geoHref = (point: { lat: number; lng: number }) => `geo:${point.lat},${point.lng}?q=${point.lat},${point.lng}`;
