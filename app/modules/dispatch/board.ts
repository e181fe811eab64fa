import { z } from "zod";
import type { LiveEvent } from "~/modules/live/event";

// Dispatches on the coordinators' live board: what the board keeps of each, and how the dispatch
// events from /live/events change it. Shared by the server (the snapshot) and the browser.

export type DispatchResponse = "on_my_way" | "cant";

export interface DispatchRecipient {
  observerId: string;
  observerName: string;
  observerPhone: string | null;
  zoneName: string | null;
  response: DispatchResponse | null;
  respondedAt: string | null;
}

export interface BoardDispatch {
  id: string;
  createdAt: string;
  createdByName: string | null;
  source: "report" | "point";
  reportId: string | null;
  point: { lat: number; lng: number } | null;
  crossStreets: string;
  zoneId: string | null;
  zoneName: string | null;
  /** Every zone alerted (the zone and its neighbours). */
  zoneNames: string[];
  note: string;
  cancelledAt: string | null;
  recipients: DispatchRecipient[];
}

/** The board keeps the dispatches of the last hours, newest first, at most this many. */
export const BOARD_DISPATCHES = 20;
/** How far back the board's dispatch panel looks. */
export const BOARD_DISPATCH_HOURS = 12;

const uuid = z.string().uuid();
const time = z.string().min(1);
const nullable = <T extends z.ZodTypeAny>(schema: T) => schema.nullable().optional().transform((v) => v ?? null);
const Response = z.enum(["on_my_way", "cant"]);
const Point = z.object({ type: z.literal("Point"), coordinates: z.tuple([z.number(), z.number()]) });

const RecipientPayload = z.object({
  observer_id: uuid,
  observer_name: z.string(),
  observer_phone: nullable(z.string()),
  zone_name: nullable(z.string()),
  response: nullable(Response),
  responded_at: nullable(time),
});

const DispatchPayload = z.object({
  dispatch_id: uuid,
  created_at: time,
  created_by_name: nullable(z.string()),
  source: z.enum(["report", "point"]),
  report_id: nullable(uuid),
  point: nullable(Point),
  cross_streets: z.string(),
  zone_id: nullable(uuid),
  zone_name: nullable(z.string()),
  zone_names: z.array(z.string()),
  note: z.string(),
  cancelled_at: nullable(time),
  recipients: z.array(RecipientPayload),
});

const AnswerPayload = z.object({ dispatch_id: uuid, observer_id: uuid, response: nullable(Response), responded_at: nullable(time) });
const CancelPayload = z.object({ dispatch_id: uuid, cancelled_at: time });

const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());

/** A dispatch as the database's payload (snake_case) has it, for the board. */
export function boardDispatchOf(payload: unknown): BoardDispatch {
  const p = DispatchPayload.parse(payload);
  return {
    id: p.dispatch_id,
    createdAt: iso(p.created_at)!,
    createdByName: p.created_by_name,
    source: p.source,
    reportId: p.report_id,
    point: p.point ? { lng: p.point.coordinates[0], lat: p.point.coordinates[1] } : null,
    crossStreets: p.cross_streets,
    zoneId: p.zone_id,
    zoneName: p.zone_name,
    zoneNames: p.zone_names,
    note: p.note,
    cancelledAt: iso(p.cancelled_at),
    recipients: p.recipients.map((r) => ({
      observerId: r.observer_id,
      observerName: r.observer_name,
      observerPhone: r.observer_phone,
      zoneName: r.zone_name,
      response: r.response,
      respondedAt: iso(r.responded_at),
    })),
  };
}

const newestFirst = (a: BoardDispatch, b: BoardDispatch) => b.createdAt.localeCompare(a.createdAt);

/**
 * Applies a dispatch event to the board's dispatches (any other event: unchanged). Keyed and
 * idempotent: a creation the board already has (from a newer snapshot) is kept as it is.
 */
export function applyDispatchEvent(dispatches: BoardDispatch[], event: Pick<LiveEvent, "kind" | "payload">): BoardDispatch[] {
  switch (event.kind) {
    case "dispatch_created": {
      const dispatch = boardDispatchOf(event.payload);
      if (dispatches.some((d) => d.id === dispatch.id)) return dispatches;
      return [dispatch, ...dispatches].sort(newestFirst).slice(0, BOARD_DISPATCHES);
    }
    case "dispatch_answered": {
      const answer = AnswerPayload.parse(event.payload);
      return dispatches.map((d) =>
        d.id !== answer.dispatch_id
          ? d
          : {
              ...d,
              recipients: d.recipients.map((r) =>
                r.observerId === answer.observer_id ? { ...r, response: answer.response, respondedAt: iso(answer.responded_at) } : r,
              ),
            },
      );
    }
    case "dispatch_cancelled": {
      const cancel = CancelPayload.parse(event.payload);
      return dispatches.map((d) => (d.id === cancel.dispatch_id && !d.cancelledAt ? { ...d, cancelledAt: iso(cancel.cancelled_at) } : d));
    }
    default:
      return dispatches;
  }
}

/** How many recipients gave each answer. */
export function answerCounts(dispatch: Pick<BoardDispatch, "recipients">) {
  const counts = { on_my_way: 0, cant: 0, none: 0 };
  for (const r of dispatch.recipients) counts[r.response ?? "none"] += 1;
  return counts;
}
