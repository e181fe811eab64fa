import { type Claims, readAsUser, sql, type Trx, withUser } from "~/db/client.server";
import { DomainError, guarded, type GuardOptions } from "~/db/errors.server";
import type { ZoneGeometry } from "~/modules/zones/geometry";
import type { AskedBy, DispatchAlert, DispatchAlertState } from "./alerts";
import { alertOf, ALERT_HOURS, isOpenAlert } from "./alerts";
import { BOARD_DISPATCH_HOURS, BOARD_DISPATCHES, type BoardDispatch, type DispatchRecipient } from "./board";
import { zonesToAlert, type LatLng, type ZoneShape } from "./neighbours";
import type { DispatchForm, DispatchTarget } from "./schema";

// Dispatch (docs/decisions/011-dispatch.md): a coordinator sends the observers checked in to a
// zone and its neighbours to a report or a point; each answers. The database decides who is
// checked in and records everything (private.create_dispatch and friends); this module works out
// which zones are neighbours, and reads what each person may see, through RLS.

/** Dispatch's own checks of input, the database's second look after the app's (`22023` with an i18n key). */
const DISPATCH_REFUSALS: GuardOptions = {
  also: ({ code, message }) => {
    if (code === "22023" && message && /^dispatch\.errors\.\w+$/.test(message)) return new DomainError(400, message);
    if (code === "22P02") return new DomainError(404, "dispatch.errors.notFound");
    return undefined;
  },
};

const iso = (value: string | Date | null) => (value === null ? null : new Date(value).toISOString());
const nameOf = (displayName: string, email: string) => (displayName.trim() ? displayName : email);
const pointOf = (value: unknown): LatLng | null => {
  const coordinates = (value as { coordinates?: [number, number] } | null)?.coordinates;
  return coordinates ? { lng: coordinates[0], lat: coordinates[1] } : null;
};

/** Where a dispatch goes, worked out: the place, its zone and every zone to alert. */
export interface ResolvedTarget {
  target: DispatchTarget;
  point: LatLng | null;
  crossStreets: string;
  zoneId: string | null;
  zoneName: string | null;
  /** The zone first, then the neighbours. */
  zones: { id: string; name: string }[];
}

async function activeZones(trx: Trx): Promise<ZoneShape[]> {
  const rows = await trx.selectFrom("zones").select(["id", "name", "priority", "geometry"]).where("retired_at", "is", null).execute();
  return rows.map((z) => ({ id: z.id, name: z.name, priority: z.priority, geometry: z.geometry as unknown as ZoneGeometry }));
}

async function resolveTarget(trx: Trx, target: DispatchTarget): Promise<ResolvedTarget> {
  const zones = await activeZones(trx);
  let place: { zoneId: string | null; point: LatLng | null; crossStreets: string };
  if (target.kind === "report") {
    // As the coordinator reads it: only the report's P0 columns.
    const report = await trx
      .selectFrom("report_overview")
      .select(["zone_id", "location", "cross_streets"])
      .where("id", "=", target.reportId)
      .executeTakeFirst();
    if (!report) throw new DomainError(404, "dispatch.errors.reportNotFound");
    place = { zoneId: report.zone_id, point: pointOf(report.location), crossStreets: report.cross_streets ?? "" };
  } else {
    place = { zoneId: null, point: { lat: target.lat, lng: target.lng }, crossStreets: "" };
  }
  const alerted = zonesToAlert(zones, place);
  return {
    target,
    point: place.point,
    crossStreets: place.crossStreets,
    zoneId: alerted.zone?.id ?? null,
    zoneName: alerted.zone?.name ?? null,
    zones: alerted.zones.map((z) => ({ id: z.id, name: z.name })),
  };
}

export interface DispatchPreview extends ResolvedTarget {
  /** Who it would reach if sent now. */
  recipients: { observerId: string; name: string; zoneName: string }[];
}

/** Who a dispatch to `target` would reach now (coordinators and admins). */
export function previewDispatch(claims: Claims, target: DispatchTarget): Promise<DispatchPreview> {
  return guarded(() =>
    readAsUser(claims, async (trx) => {
      const resolved = await resolveTarget(trx, target);
      if (resolved.zones.length === 0) return { ...resolved, recipients: [] };
      const { rows } = await sql<{ observer_id: string; zone_name: string; observer_name: string }>`
        select observer_id, zone_name, observer_name
        from private.dispatch_candidates(${sql.val(resolved.zones.map((z) => z.id))}::uuid[])
        order by zone_name, observer_name`.execute(trx);
      return { ...resolved, recipients: rows.map((r) => ({ observerId: r.observer_id, name: r.observer_name, zoneName: r.zone_name })) };
    }),
    DISPATCH_REFUSALS,
  );
}

/** Sends a dispatch (coordinators; a hotline volunteer to a call they logged). Returns its id and how many observers it reached. */
export function createDispatch(claims: Claims, input: DispatchForm): Promise<{ id: string; recipients: number }> {
  return guarded(() =>
    withUser(claims, async (trx) => {
      const resolved = await resolveTarget(trx, input.target);
      const report = input.target.kind === "report" ? input.target.reportId : null;
      const point = input.target.kind === "point" ? JSON.stringify({ type: "Point", coordinates: [input.target.lng, input.target.lat] }) : null;
      const { rows } = await sql<{ id: string }>`
        select id from private.create_dispatch(
          ${report}::uuid, ${point}::jsonb, ${resolved.zoneId}::uuid, ${sql.val(resolved.zones.map((z) => z.id))}::uuid[],
          ${input.note}, ${input.clientKey}::uuid)`.execute(trx);
      const id = rows[0]!.id;
      // How many, not who: a hotline volunteer who sent it may not read its recipients.
      const { rows: reach } = await sql<{ n: number }>`select private.dispatch_reach(${id}::uuid) as n`.execute(trx);
      return { id, recipients: Number(reach[0]?.n ?? 0) };
    }),
    DISPATCH_REFUSALS,
  );
}

/** A recipient's "On my way" or "Can't" (they may change it). */
export const answerDispatch = (claims: Claims, dispatchId: string, response: "on_my_way" | "cant") =>
  guarded(() => withUser(claims, (trx) => sql`select dispatch_id from private.answer_dispatch(${dispatchId}::uuid, ${response})`.execute(trx)), DISPATCH_REFUSALS);

/** A coordinator calls a dispatch off. */
export const cancelDispatch = (claims: Claims, dispatchId: string) =>
  guarded(() => withUser(claims, (trx) => sql`select id from private.cancel_dispatch(${dispatchId}::uuid)`.execute(trx)), DISPATCH_REFUSALS);

/** The dispatches of the last hours with every recipient's answer, as the board shows them (read through RLS). */
export async function recentDispatches(trx: Trx): Promise<BoardDispatch[]> {
  const dispatches = await trx
    .selectFrom("dispatches as d")
    .leftJoin("zones as z", "z.id", "d.zone_id")
    .leftJoin("profiles as c", "c.id", "d.created_by")
    .select([
      "d.id", "d.created_at", "d.source", "d.report_id", "d.point", "d.cross_streets", "d.zone_id", "z.name as zone_name", "d.note", "d.cancelled_at",
      "c.display_name as created_by_display_name", "c.email as created_by_email",
      sql<string[]>`coalesce((select array_agg(n.name order by n.name) from public.zones n where n.id = any (d.zone_ids)), '{}')`.as("zone_names"),
    ])
    .where("d.created_at", ">", sql<Date>`now() - make_interval(hours => ${BOARD_DISPATCH_HOURS})`)
    .orderBy("d.created_at", "desc")
    .limit(BOARD_DISPATCHES)
    .execute();
  if (dispatches.length === 0) return [];
  const recipients = await trx
    .selectFrom("dispatch_recipients as r")
    .innerJoin("profiles as p", "p.id", "r.observer_id")
    .leftJoin("zones as z", "z.id", "r.zone_id")
    .select(["r.dispatch_id", "r.observer_id", "p.display_name", "p.email", "p.phone", "z.name as zone_name", "r.response", "r.responded_at"])
    .where("r.dispatch_id", "in", dispatches.map((d) => d.id))
    .orderBy("z.name")
    .orderBy("p.display_name")
    .execute();
  return dispatches.map((d) => ({
    id: d.id,
    createdAt: iso(d.created_at)!,
    createdByName: d.created_by_email ? nameOf(d.created_by_display_name ?? "", d.created_by_email) : null,
    source: d.source as BoardDispatch["source"],
    reportId: d.report_id,
    point: pointOf(d.point),
    crossStreets: d.cross_streets,
    zoneId: d.zone_id,
    zoneName: d.zone_name,
    zoneNames: d.zone_names,
    note: d.note,
    cancelledAt: iso(d.cancelled_at),
    recipients: recipients
      .filter((r) => r.dispatch_id === d.id)
      .map(
        (r): DispatchRecipient => ({
          observerId: r.observer_id,
          observerName: nameOf(r.display_name, r.email),
          observerPhone: r.phone,
          zoneName: r.zone_name,
          response: r.response as DispatchRecipient["response"],
          respondedAt: iso(r.responded_at),
        }),
      ),
  }));
}

/**
 * What the app shell needs for an observer's dispatch banner, in one statement: the position in
 * the event log (read in the same snapshot, so the stream misses nothing), whether they are
 * checked in now, and their alerts of the last hours.
 */
export async function myDispatchAlerts(claims: Claims): Promise<DispatchAlertState> {
  return readAsUser(claims, async (trx) => {
    const { rows } = await sql<{ cursor: string; checked_in: boolean; alerts: Record<string, unknown>[] }>`
      select private.live_head()::text as cursor,
        exists (
          select 1 from public.shift_assignments a join public.shifts s on s.id = a.shift_id
          where a.observer_id = ${claims.sub}::uuid and a.status = 'checked_in' and s.ends_at > now() - interval '30 minutes'
        ) as checked_in,
        coalesce((
          select jsonb_agg(jsonb_build_object(
            'dispatch_id', d.id, 'created_at', d.created_at, 'point', d.point, 'cross_streets', d.cross_streets,
            'zone_name', z.name, 'note', d.note, 'cancelled_at', d.cancelled_at, 'asked_by', d.asked_by, 'response', r.response, 'responded_at', r.responded_at)
            order by d.created_at desc)
          from public.dispatch_recipients r
          join public.dispatches d on d.id = r.dispatch_id
          left join public.zones z on z.id = d.zone_id
          where r.observer_id = ${claims.sub}::uuid and d.cancelled_at is null
            and d.created_at > now() - make_interval(hours => ${ALERT_HOURS})
        ), '[]') as alerts`.execute(trx);
    const row = rows[0]!;
    const alerts = row.alerts.map(alertOf).filter((a): a is DispatchAlert => a !== null);
    // A connection only while something can still arrive or show: checked in, or an alert still open.
    const now = Date.now();
    return { cursor: row.cursor, me: claims.sub, live: row.checked_in || alerts.some((a) => isOpenAlert(a, now)), alerts };
  });
}

export interface DispatchDetails {
  id: string;
  createdAt: string;
  point: LatLng | null;
  crossStreets: string;
  zoneId: string | null;
  zoneName: string | null;
  zoneNames: string[];
  /** The zone's outline and colour, for the map. */
  zone: { colour: string; geometry: ZoneGeometry } | null;
  note: string;
  cancelledAt: string | null;
  askedBy: AskedBy;
  /** The person's own answer, when they were sent. */
  mine: { response: DispatchRecipient["response"]; respondedAt: string | null } | null;
  /** Everyone sent, with their answers: for coordinators only (RLS shows an observer their own row alone). */
  recipients: DispatchRecipient[] | null;
}

/** One dispatch as the person may see it; null when it is not theirs to see. */
export async function dispatchDetails(claims: Claims, dispatchId: string, coordinating: boolean): Promise<DispatchDetails | null> {
  return readAsUser(claims, async (trx) => {
    const d = await trx
      .selectFrom("dispatches as d")
      .leftJoin("zones as z", "z.id", "d.zone_id")
      .select([
        "d.id", "d.created_at", "d.point", "d.cross_streets", "d.zone_id", "z.name as zone_name", "z.colour as zone_colour", "z.geometry as zone_geometry",
        "d.note", "d.cancelled_at", "d.asked_by",
        sql<string[]>`coalesce((select array_agg(n.name order by n.name) from public.zones n where n.id = any (d.zone_ids)), '{}')`.as("zone_names"),
      ])
      .where("d.id", "=", dispatchId)
      .executeTakeFirst();
    if (!d) return null;
    const rows = await trx
      .selectFrom("dispatch_recipients as r")
      .innerJoin("profiles as p", "p.id", "r.observer_id")
      .leftJoin("zones as z", "z.id", "r.zone_id")
      .select(["r.observer_id", "p.display_name", "p.email", "p.phone", "z.name as zone_name", "r.response", "r.responded_at"])
      .where("r.dispatch_id", "=", dispatchId)
      .orderBy("z.name")
      .orderBy("p.display_name")
      .execute();
    const mine = rows.find((r) => r.observer_id === claims.sub);
    return {
      id: d.id,
      createdAt: iso(d.created_at)!,
      point: pointOf(d.point),
      crossStreets: d.cross_streets,
      zoneId: d.zone_id,
      zoneName: d.zone_name,
      zoneNames: d.zone_names,
      zone: d.zone_geometry && d.zone_colour ? { colour: d.zone_colour, geometry: d.zone_geometry as unknown as ZoneGeometry } : null,
      note: d.note,
      cancelledAt: iso(d.cancelled_at),
      askedBy: d.asked_by === "hotline" ? "hotline" : "coordinator",
      mine: mine ? { response: mine.response as DispatchRecipient["response"], respondedAt: iso(mine.responded_at) } : null,
      recipients: coordinating
        ? rows.map((r) => ({
            observerId: r.observer_id,
            observerName: nameOf(r.display_name, r.email),
            observerPhone: r.phone,
            zoneName: r.zone_name,
            response: r.response as DispatchRecipient["response"],
            respondedAt: iso(r.responded_at),
          }))
        : null,
    };
  });
}
