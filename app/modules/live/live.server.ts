import { type Claims, readAsUser, sql, withSystem, withUser } from "~/db/client.server";
import { DomainError, guarded, type GuardOptions } from "~/db/errors.server";
import { recentDispatches } from "~/modules/dispatch/dispatch.server";
import { boardReportOf, BOARD_REPORTS, type BoardAlert, type BoardObserver, type BoardShift, type BoardState } from "./board";

/** A safety alert's id that is not a uuid names no alert. */
const LIVE_REFUSALS: GuardOptions = {
  also: ({ code }) => (code === "22P02" ? new DomainError(404, "live.errors.alertNotFound") : undefined),
};

const iso = (value: string | Date | null) => (value === null ? null : new Date(value).toISOString());
const nameOf = (displayName: string, email: string) => (displayName.trim() ? displayName : email);

/**
 * What the live board shows right now, read as the coordinator through RLS, and the position in
 * the event log it was taken at: the page's event stream resumes from there, so nothing that
 * happens in between is lost (an event already reflected here is applied again harmlessly).
 */
export async function boardSnapshot(claims: Claims): Promise<BoardState> {
  return readAsUser(claims, async (trx) => {
    // First, so that anything committed while the rest is read comes again as an event. The
    // reads are sent together, in this order, and the database runs them in the order sent.
    // (A query builder like the others: the same path to the connection keeps the order of the calls.)
    const headRead = trx.selectFrom("live_events").select(sql<string>`coalesce(max(id), 0)::text`.as("cursor")).execute();

    const observersRead = trx
      .selectFrom("shift_assignments as a")
      .innerJoin("shifts as s", "s.id", "a.shift_id")
      .innerJoin("zones as z", "z.id", "s.zone_id")
      .innerJoin("profiles as p", "p.id", "a.observer_id")
      .select(["a.id", "a.shift_id", "s.zone_id", "z.name as zone_name", "p.display_name", "p.email", "p.phone", "a.checked_in_at", "s.ends_at"])
      .where("a.status", "=", "checked_in")
      // Out on the street now, or overdue (the safety check covers half a day after the end).
      .where("s.ends_at", ">", sql<Date>`now() - interval '12 hours'`)
      .orderBy("z.name")
      .orderBy("p.display_name")
      .execute();

    const reportsRead = trx
      .selectFrom("report_overview")
      .selectAll()
      .where("submitted_at", ">", sql<Date>`now() - interval '24 hours'`)
      .orderBy("submitted_at", "desc")
      .limit(BOARD_REPORTS)
      .execute();

    const shiftsRead = trx
      .selectFrom("shifts as s")
      .innerJoin("zones as z", "z.id", "s.zone_id")
      .select(["s.id", "s.zone_id", "z.name as zone_name", "s.starts_at", "s.ends_at", "s.capacity", "s.claimed_count"])
      .where("s.cancelled_at", "is", null)
      .where("s.starts_at", ">", sql<Date>`now()`)
      .where("s.starts_at", "<=", sql<Date>`now() + interval '1 hour'`)
      .whereRef("s.claimed_count", "<", "s.capacity")
      .orderBy("s.starts_at")
      .execute();

    const alertsRead = trx
      .selectFrom("safety_alerts as x")
      .innerJoin("shift_assignments as a", "a.id", "x.assignment_id")
      .innerJoin("shifts as s", "s.id", "a.shift_id")
      .innerJoin("zones as z", "z.id", "s.zone_id")
      .innerJoin("profiles as p", "p.id", "x.observer_id")
      .select([
        "x.id", "x.kind", "x.assignment_id", "a.shift_id", "s.zone_id", "z.name as zone_name", "p.display_name", "p.email", "p.phone",
        "s.starts_at", "s.ends_at", "x.raised_at", "x.observer_ok_at",
      ])
      .where("x.acknowledged_at", "is", null)
      .orderBy("x.raised_at")
      .execute();

    const [head, observers, reports, shifts, alerts, dispatches] = await Promise.all([
      headRead,
      observersRead,
      reportsRead,
      shiftsRead,
      alertsRead,
      recentDispatches(trx),
    ]);

    return {
      cursor: head[0]!.cursor,
      observers: observers.map(
        (o): BoardObserver => ({
          assignmentId: o.id,
          shiftId: o.shift_id,
          zoneId: o.zone_id,
          zoneName: o.zone_name,
          observerName: nameOf(o.display_name, o.email),
          observerPhone: o.phone,
          checkedInAt: iso(o.checked_in_at),
          endsAt: iso(o.ends_at)!,
        }),
      ),
      reports: reports.map((r) =>
        boardReportOf({
          ...r,
          id: r.id!,
          occurred_at: iso(r.occurred_at)!,
          submitted_at: iso(r.submitted_at)!,
          location: r.location as never,
          cross_streets: r.cross_streets ?? "",
          agents_possibly_more: Boolean(r.agents_possibly_more),
          activities: r.activities ?? [],
          agencies: r.agencies ?? [],
          urgency: r.urgency!,
        }),
      ),
      shortShifts: shifts.map(
        (s): BoardShift => ({
          shiftId: s.id,
          zoneId: s.zone_id,
          zoneName: s.zone_name,
          startsAt: iso(s.starts_at)!,
          endsAt: iso(s.ends_at)!,
          capacity: s.capacity,
          claimed: s.claimed_count,
          cancelled: false,
        }),
      ),
      alerts: alerts.map(
        (x): BoardAlert => ({
          alertId: x.id,
          alertKind: x.kind as BoardAlert["alertKind"],
          assignmentId: x.assignment_id,
          shiftId: x.shift_id,
          zoneId: x.zone_id,
          zoneName: x.zone_name,
          observerName: nameOf(x.display_name, x.email),
          observerPhone: x.phone,
          startsAt: iso(x.starts_at)!,
          endsAt: iso(x.ends_at)!,
          raisedAt: iso(x.raised_at)!,
          observerOkAt: iso(x.observer_ok_at),
        }),
      ),
      dispatches,
    };
  });
}

/** A coordinator has seen a safety alert; it leaves every board. */
export const acknowledgeSafetyAlert = (claims: Claims, alertId: string) =>
  guarded(() => withUser(claims, (trx) => sql`select id from private.acknowledge_safety_alert(${alertId}::uuid)`.execute(trx)), LIVE_REFUSALS);

/** The observer's "I'm OK". */
export const confirmSafe = (claims: Claims, alertId: string) =>
  guarded(() => withUser(claims, (trx) => sql`select id from private.confirm_safe(${alertId}::uuid)`.execute(trx)), LIVE_REFUSALS);

export interface MySafetyCheck {
  alertId: string;
  kind: "missed_check_in" | "overdue_check_out";
  shiftId: string;
  zoneName: string;
  startsAt: string;
  endsAt: string;
  raisedAt: string;
}

/** The person's own safety checks still waiting for their answer (the last day's). */
export async function mySafetyChecks(claims: Claims): Promise<MySafetyCheck[]> {
  const rows = await readAsUser(claims, (trx) =>
    trx
      .selectFrom("safety_alerts as x")
      .innerJoin("shift_assignments as a", "a.id", "x.assignment_id")
      .innerJoin("shifts as s", "s.id", "a.shift_id")
      .innerJoin("zones as z", "z.id", "s.zone_id")
      .select(["x.id", "x.kind", "a.shift_id", "z.name as zone_name", "s.starts_at", "s.ends_at", "x.raised_at"])
      .where("x.observer_id", "=", claims.sub)
      .where("x.observer_ok_at", "is", null)
      .where("x.raised_at", ">", sql<Date>`now() - interval '24 hours'`)
      .orderBy("x.raised_at", "desc")
      .execute(),
  );
  return rows.map((r) => ({
    alertId: r.id,
    kind: r.kind as MySafetyCheck["kind"],
    shiftId: r.shift_id,
    zoneName: r.zone_name,
    startsAt: iso(r.starts_at)!,
    endsAt: iso(r.ends_at)!,
    raisedAt: iso(r.raised_at)!,
  }));
}

/**
 * The job runner's part (every instance, every tick): raise due safety alerts (with their emails)
 * and announce shifts short of people within the hour; drop events older than a week.
 */
export async function runLiveChecks(): Promise<{ alerts: number; purged: number }> {
  return withSystem(async (trx) => {
    const { rows } = await sql<{ alerts: number; purged: number }>`
      select private.detect_live_conditions() as alerts, private.purge_live_events() as purged`.execute(trx);
    return rows[0]!;
  });
}
