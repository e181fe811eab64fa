import { z } from "zod";
import { applyDispatchEvent, type BoardDispatch } from "~/modules/dispatch/board";
import { LIVE_KINDS, type LiveEvent } from "./event";

// The coordinators' live board: what it shows, and how each event from /live/events changes it.
// Shared by the server (the snapshot) and the browser (the events), so both speak one shape.

export { LIVE_KINDS, type LiveEvent, type LiveKind } from "./event";

export interface BoardObserver {
  assignmentId: string;
  shiftId: string;
  zoneId: string;
  zoneName: string;
  observerName: string;
  observerPhone: string | null;
  checkedInAt: string | null;
  endsAt: string;
}

/** A report as coordinators may see it: the columns of public.report_overview, nothing more. */
export interface BoardReport {
  id: string;
  zoneId: string | null;
  occurredAt: string;
  submittedAt: string;
  point: { lat: number; lng: number } | null;
  accuracyM: number | null;
  crossStreets: string;
  agentCountMin: number | null;
  agentsPossiblyMore: boolean;
  vehicleCount: number | null;
  activities: string[];
  agencies: string[];
  urgency: "low" | "medium" | "high" | "critical";
}

export interface BoardShift {
  shiftId: string;
  zoneId: string;
  zoneName: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
  claimed: number;
  cancelled: boolean;
}

export interface BoardAlert {
  alertId: string;
  alertKind: "missed_check_in" | "overdue_check_out";
  assignmentId: string;
  shiftId: string;
  zoneId: string;
  zoneName: string;
  observerName: string;
  observerPhone: string | null;
  startsAt: string;
  endsAt: string;
  raisedAt: string;
  observerOkAt: string | null;
}

export interface BoardState {
  /** The last event the board has applied (or the snapshot's position in the event log). */
  cursor: string;
  observers: BoardObserver[];
  reports: BoardReport[];
  shortShifts: BoardShift[];
  alerts: BoardAlert[];
  /** Dispatches of the last hours with their recipients' answers, newest first. */
  dispatches: BoardDispatch[];
}

/** How many reports the board keeps; older ones are on the review pages. */
export const BOARD_REPORTS = 50;

const time = z.string().min(1);
const nullableTime = time.nullable().optional().transform((v) => v ?? null);
const text = z.string();
const uuid = z.string().uuid();

const AssignmentPayload = z.object({
  assignment_id: uuid,
  shift_id: uuid,
  zone_id: uuid,
  zone_name: text,
  observer_name: text,
  observer_phone: text.nullable().optional().transform((v) => v ?? null),
  starts_at: time,
  ends_at: time,
  checked_in_at: nullableTime,
});

const AlertPayload = AssignmentPayload.extend({
  alert_id: uuid,
  alert_kind: z.enum(["missed_check_in", "overdue_check_out"]),
  raised_at: time,
  observer_ok_at: nullableTime,
});

const ShiftPayload = z.object({
  shift_id: uuid,
  zone_id: uuid,
  zone_name: text,
  starts_at: time,
  ends_at: time,
  capacity: z.number().int(),
  claimed: z.number().int(),
  cancelled: z.boolean(),
});

const ReportPayload = z.object({
  id: uuid,
  zone_id: uuid.nullable(),
  occurred_at: time,
  submitted_at: time,
  location: z.object({ type: z.literal("Point"), coordinates: z.tuple([z.number(), z.number()]) }).nullable(),
  location_accuracy_m: z.number().nullable(),
  cross_streets: text,
  agent_count_min: z.number().nullable(),
  agents_possibly_more: z.boolean(),
  vehicle_count: z.number().nullable(),
  activities: z.array(text),
  agencies: z.array(text),
  urgency: z.enum(["low", "medium", "high", "critical"]),
});

/** A report row (snake_case, as the database and the event payload have it) for the board. */
export function boardReportOf(row: z.input<typeof ReportPayload>): BoardReport {
  const r = ReportPayload.parse(row);
  return {
    id: r.id,
    zoneId: r.zone_id,
    occurredAt: r.occurred_at,
    submittedAt: r.submitted_at,
    point: r.location ? { lng: r.location.coordinates[0], lat: r.location.coordinates[1] } : null,
    accuracyM: r.location_accuracy_m,
    crossStreets: r.cross_streets,
    agentCountMin: r.agent_count_min,
    agentsPossiblyMore: r.agents_possibly_more,
    vehicleCount: r.vehicle_count,
    activities: r.activities,
    agencies: r.agencies,
    urgency: r.urgency,
  };
}

function observerOf(payload: unknown): BoardObserver {
  const p = AssignmentPayload.parse(payload);
  return {
    assignmentId: p.assignment_id,
    shiftId: p.shift_id,
    zoneId: p.zone_id,
    zoneName: p.zone_name,
    observerName: p.observer_name,
    observerPhone: p.observer_phone,
    checkedInAt: p.checked_in_at,
    endsAt: p.ends_at,
  };
}

function alertOf(payload: unknown): BoardAlert {
  const p = AlertPayload.parse(payload);
  return {
    alertId: p.alert_id,
    alertKind: p.alert_kind,
    assignmentId: p.assignment_id,
    shiftId: p.shift_id,
    zoneId: p.zone_id,
    zoneName: p.zone_name,
    observerName: p.observer_name,
    observerPhone: p.observer_phone,
    startsAt: p.starts_at,
    endsAt: p.ends_at,
    raisedAt: p.raised_at,
    observerOkAt: p.observer_ok_at,
  };
}

function shiftOf(payload: unknown): BoardShift {
  const p = ShiftPayload.parse(payload);
  return { shiftId: p.shift_id, zoneId: p.zone_id, zoneName: p.zone_name, startsAt: p.starts_at, endsAt: p.ends_at, capacity: p.capacity, claimed: p.claimed, cancelled: p.cancelled };
}

const byTime = <T>(key: (item: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));
const isNewer = (id: string, cursor: string) => BigInt(id) > BigInt(cursor || "0");

/** Whether a shift belongs on the "short of people within the hour" list at `now`. */
export const isShortSoon = (shift: BoardShift, now: number) =>
  !shift.cancelled && shift.claimed < shift.capacity && new Date(shift.startsAt).getTime() > now && new Date(shift.startsAt).getTime() <= now + 3_600_000;

/**
 * Applies one event. Events the board has already applied (id at or below its cursor, e.g. replayed
 * after a reconnect) change nothing, and every change is keyed, so applying one twice is harmless.
 */
export function applyLiveEvent(state: BoardState, event: LiveEvent): BoardState {
  if (!isNewer(event.id, state.cursor)) return state;
  const next: BoardState = { ...state, cursor: event.id };
  try {
    switch (event.kind) {
      case "report_submitted": {
        const report = boardReportOf(event.payload as z.input<typeof ReportPayload>);
        next.reports = [report, ...state.reports.filter((r) => r.id !== report.id)].slice(0, BOARD_REPORTS);
        break;
      }
      case "checked_in": {
        const observer = observerOf(event.payload);
        next.observers = [...state.observers.filter((o) => o.assignmentId !== observer.assignmentId), observer].sort(byTime((o) => o.zoneName + o.observerName));
        break;
      }
      case "checked_out": {
        const { assignmentId } = observerOf(event.payload);
        next.observers = state.observers.filter((o) => o.assignmentId !== assignmentId);
        break;
      }
      case "shift_short_staffed":
      case "shift_staffing": {
        const shift = shiftOf(event.payload);
        const others = state.shortShifts.filter((s) => s.shiftId !== shift.shiftId);
        const stillShort = !shift.cancelled && shift.claimed < shift.capacity;
        next.shortShifts = (stillShort ? [...others, shift] : others).sort(byTime((s) => s.startsAt));
        break;
      }
      case "safety_alert_raised":
      case "safety_alert_ok": {
        const alert = alertOf(event.payload);
        const known = state.alerts.some((a) => a.alertId === alert.alertId);
        // An "I'm OK" for an alert already acknowledged (so no longer on the board) stays off it.
        if (event.kind === "safety_alert_ok" && !known) break;
        next.alerts = [...state.alerts.filter((a) => a.alertId !== alert.alertId), alert].sort(byTime((a) => a.raisedAt));
        break;
      }
      case "safety_alert_acknowledged": {
        const { alertId } = alertOf(event.payload);
        next.alerts = state.alerts.filter((a) => a.alertId !== alertId);
        break;
      }
      case "dispatch_created":
      case "dispatch_answered":
      case "dispatch_cancelled":
        next.dispatches = applyDispatchEvent(state.dispatches, event);
        break;
    }
  } catch {
    // A payload this version of the page does not understand: skip it, keep the rest.
    return next;
  }
  return next;
}

/** A line of SSE `data:` as sent by the server, or null when it is not one of ours. */
export function parseLiveEvent(data: string): LiveEvent | null {
  try {
    const value = JSON.parse(data) as LiveEvent;
    if (typeof value?.id !== "string" || !/^\d+$/.test(value.id) || !(LIVE_KINDS as readonly string[]).includes(value.kind)) return null;
    if (typeof value.payload !== "object" || value.payload === null) return null;
    return value;
  } catch {
    return null;
  }
}
