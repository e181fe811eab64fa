import { type Actor, type Claims, readAsUser, sql, type Trx, withUser } from "~/db/client.server";
import { DomainError, guarded, type GuardOptions } from "~/db/errors.server";
import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import type { AssignmentStatus, DB } from "~/db/types";
import type { ZoneGeometry } from "~/modules/zones/geometry";
import { csvCell } from "~/utils/csv";
import type { CreateShiftInput, ShiftFilters } from "./schema";

/** The shifts migration's refusals that are not `TS4xx`: a named constraint, an exclusion. */
const SHIFT_REFUSALS: GuardOptions = {
  also: ({ code, constraint }) => {
    if (code === "23514" && constraint === "shifts_capacity_not_exceeded") return new DomainError(409, "shifts.errors.capacityBelowClaimed", "capacity");
    if (code === "23P01") return new DomainError(409, "shifts.errors.overlap");
    return undefined;
  },
};

export interface ShiftSummary {
  id: string;
  zoneId: string;
  zoneName: string;
  zoneColour: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
  claimed: number;
  waitlisted: number;
  needsLanguages: string[];
  needsTeamLead: boolean;
  notes: string;
  cancelled: boolean;
  seriesId: string | null;
  /** The signed-in person's own place on this shift, if any. */
  myStatus: AssignmentStatus | null;
  myWaitlistPosition: number | null;
  /**
   * Why the signed-in person's claim would be refused ('training_missing', 'training_expired',
   * 'not_observer', 'overlap'), 'ok' when it would not, null where the page did not ask.
   */
  claimBlocker: string | null;
}

const iso = (value: string | Date) => new Date(value).toISOString();

/** The columns every view of a shift shows (s = shifts, z = its zone). */
const SHIFT_COLUMNS = [
      "s.id",
      "s.zone_id",
      "z.name as zone_name",
      "z.colour as zone_colour",
      "s.starts_at",
      "s.ends_at",
      "s.capacity",
      "s.claimed_count",
      "s.waitlist_count",
      "s.needs_languages",
      "s.needs_team_lead",
      "s.notes",
      "s.cancelled_at",
      "s.series_id",
] as const;

function shiftQuery(trx: Trx, me: string) {
  return trx
    .selectFrom("shifts as s")
    .innerJoin("zones as z", "z.id", "s.zone_id")
    .leftJoin("shift_assignments as mine", (join) =>
      join.onRef("mine.shift_id", "=", "s.id").on("mine.observer_id", "=", me).on("mine.status", "<>", "cancelled"),
    )
    .crossJoin(sql<ClaimContext>`private.my_claim_context()`.as("me"))
    .select([...SHIFT_COLUMNS, "mine.status as my_status", CLAIM_BLOCKER.as("claim_blocker")]);
}

/** What private.my_claim_context() returns: the person, once per query (migration 20261208130000). */
interface ClaimContext {
  standing: string | null;
  valid_until: Date | null;
  time_zone: string;
  held_shifts: string[];
  held_periods: string[];
}

/**
 * Why the signed-in person's claim of shift s would be refused, as claim_shift would refuse it:
 * their standing, then training that has run out by the shift's local day, then a clash with
 * another shift they hold; 'ok' when none.
 */
const CLAIM_BLOCKER = sql<string>`case
  when me.standing is not null then me.standing
  when me.valid_until <= (s.starts_at at time zone me.time_zone)::date then 'training_expired'
  when exists (select 1 from unnest(me.held_shifts, me.held_periods) as held(shift_id, period)
               where held.shift_id <> s.id and held.period && tstzrange(s.starts_at, s.ends_at, '[)')) then 'overlap'
  else 'ok'
end`;

type ShiftRow = Awaited<ReturnType<ReturnType<typeof shiftQuery>["execute"]>>[number];

async function positions(trx: Trx) {
  const rows = await sql<{ shift_id: string; waitlist_position: number }>`select * from private.my_waitlist_positions()`.execute(trx);
  return new Map(rows.rows.map((r) => [r.shift_id, r.waitlist_position]));
}

function toSummary(row: Omit<ShiftRow, "claim_blocker"> & { claim_blocker?: string | null }, waitlist: Map<string, number>): ShiftSummary {
  return {
    id: row.id,
    zoneId: row.zone_id,
    zoneName: row.zone_name,
    zoneColour: row.zone_colour,
    startsAt: iso(row.starts_at),
    endsAt: iso(row.ends_at),
    capacity: row.capacity,
    claimed: row.claimed_count,
    waitlisted: row.waitlist_count,
    needsLanguages: row.needs_languages,
    needsTeamLead: row.needs_team_lead,
    notes: row.notes,
    cancelled: row.cancelled_at !== null,
    seriesId: row.series_id,
    myStatus: row.my_status,
    myWaitlistPosition: waitlist.get(row.id) ?? null,
    claimBlocker: row.claim_blocker ?? null,
  };
}

/** Shifts (as s, joined to zones as z) not cancelled, in an active zone, in the window and matching the filters. */
function upcomingMatching(eb: ExpressionBuilder<DB & { s: DB["shifts"]; z: DB["zones"] }, "s" | "z">, filters: ShiftFilters & { from: Date; to: Date }) {
  const conditions: Expression<SqlBool>[] = [
    eb("s.cancelled_at", "is", null),
    eb("z.retired_at", "is", null),
    eb("s.ends_at", ">", filters.from),
    eb("s.starts_at", "<", filters.to),
  ];
  if (filters.zone) conditions.push(eb("s.zone_id", "=", filters.zone));
  if (filters.language) conditions.push(sql<boolean>`${filters.language} = any(s.needs_languages)`);
  return eb.and(conditions);
}

export interface ShiftDay {
  /** The local date, YYYY-MM-DD. */
  day: string;
  shifts: number;
  /** Shifts on that day with a spot free. */
  withSpots: number;
}

/** Upcoming shifts per local day (same filters as the list), soonest day first. */
function dayCounts(trx: Trx, filters: ShiftFilters & { from: Date; to: Date }, timeZone: string) {
  const day = sql<string>`to_char(s.starts_at at time zone ${timeZone}, 'YYYY-MM-DD')`;
  return (
    trx
      .selectFrom("shifts as s")
      .innerJoin("zones as z", "z.id", "s.zone_id")
      .where((eb) => upcomingMatching(eb, filters))
      .select([
        day.as("day"),
        sql<string>`count(*)`.as("shifts"),
        sql<string>`count(*) filter (where s.claimed_count < s.capacity)`.as("with_spots"),
      ])
      // By position: the time zone is a parameter, so a repeated expression would not match the select's.
      .groupBy(sql`1`)
      .orderBy(sql`1`)
  );
}

/**
 * The list of /shifts without a day picked: whole local days, soonest first, until at least
 * `atLeast` shifts are listed (a day is never cut in half), and the days after those with their
 * counts, for links. One round trip: the list finds where it stops in SQL, at the end of the local
 * day of its `atLeast`-th shift (an index scan), instead of waiting for the day counts (with the
 * database 5 ms away that wait was 10 ms a page). `later` starts after the day the list stopped at,
 * so the two never disagree.
 */
export async function upcomingShiftsByDay(
  claims: Claims,
  filters: ShiftFilters & { from: Date; to: Date },
  timeZone: string,
  atLeast: number,
): Promise<{ shifts: ShiftSummary[]; later: ShiftDay[] }> {
  return readAsUser(claims, async (trx) => {
    // The local day of the atLeast-th shift (none: the list takes every day).
    const nth = trx
      .selectFrom("shifts as s")
      .innerJoin("zones as z", "z.id", "s.zone_id")
      .where((eb) => upcomingMatching(eb, filters))
      .select(sql<string>`to_char(s.starts_at at time zone ${timeZone}, 'YYYY-MM-DD')`.as("day"))
      .orderBy("s.starts_at")
      .offset(atLeast - 1)
      .limit(1);
    // `offset 0` keeps it one subquery, run once: pulled up, its scalar subquery was copied into
    // each of the three places that read last.day and ran three times (EXPLAIN ANALYZE).
    const last = sql<{ day: string | null }>`(select (${nth}) as day offset 0)`.as("last");
    const list = shiftQuery(trx, claims.sub)
      .crossJoin(last)
      .where((eb) => upcomingMatching(eb, filters))
      .where(sql<boolean>`s.starts_at < coalesce((last.day::date + 1)::timestamp at time zone ${timeZone}, ${filters.to})`)
      // Where midnight happens twice (the clocks go back at 00:00: America/Havana, Atlantic/Azores),
      // PostgreSQL reads it as the second one; the next day's first hour must not be listed.
      .where(sql<boolean>`(last.day is null or to_char(s.starts_at at time zone ${timeZone}, 'YYYY-MM-DD') <= last.day)`)
      .select(sql<string | null>`last.day`.as("last_day"))
      .orderBy("s.starts_at")
      .orderBy("z.name")
      .limit(500);
    const [rows, days, waitlist] = await Promise.all([list.execute(), dayCounts(trx, filters, timeZone).execute(), positions(trx)]);
    const lastDay = rows[0]?.last_day ?? null;
    return {
      shifts: rows.map((r) => toSummary(r, waitlist)),
      later: (lastDay ? days.filter((d) => d.day > lastDay) : rows.length ? [] : days).map((r) => ({
        day: r.day,
        shifts: Number(r.shifts),
        withSpots: Number(r.with_spots),
      })),
    };
  });
}

/** Upcoming shifts that have not been cancelled, soonest first, with the person's place on each. */
export async function listUpcomingShifts(claims: Claims, filters: ShiftFilters & { from: Date; to: Date }) {
  return readAsUser(claims, async (trx) => {
    const query = shiftQuery(trx, claims.sub).where((eb) => upcomingMatching(eb, filters));
    const [rows, waitlist] = await Promise.all([query.orderBy("s.starts_at").orderBy("z.name").limit(500).execute(), positions(trx)]);
    return rows.map((r) => toSummary(r, waitlist));
  });
}

export interface ShiftDetail extends ShiftSummary {
  zoneGeometry: ZoneGeometry;
  meetingPointNote: string;
  cancelReason: string;
  checkedInAt: string | null;
  checkedOutAt: string | null;
}

export async function getShift(claims: Claims, id: string): Promise<ShiftDetail> {
  const found = await readAsUser(claims, async (trx) => {
    const row = await shiftQuery(trx, claims.sub)
      .select(["z.geometry", "z.meeting_point_note", "s.cancel_reason", "mine.checked_in_at", "mine.checked_out_at"])
      .where("s.id", "=", id)
      .executeTakeFirst();
    if (!row) return null;
    return { row, waitlist: await positions(trx) };
  });
  if (!found) throw new DomainError(404, "shifts.errors.notFound");
  const { row, waitlist } = found;
  return {
    ...toSummary(row, waitlist),
    zoneGeometry: row.geometry as unknown as ZoneGeometry,
    meetingPointNote: row.meeting_point_note,
    cancelReason: row.cancel_reason,
    checkedInAt: row.checked_in_at ? iso(row.checked_in_at) : null,
    checkedOutAt: row.checked_out_at ? iso(row.checked_out_at) : null,
  };
}

export interface MyShift extends ShiftSummary {
  checkedInAt: string | null;
  checkedOutAt: string | null;
  meetingPointNote: string;
}

/** The person's own shifts: everything not cancelled, upcoming first then the last 60 days. */
export async function myShifts(claims: Claims, now = new Date()): Promise<{ upcoming: MyShift[]; past: MyShift[] }> {
  const rows = await readAsUser(claims, async (trx) => {
    const rows = await trx
      .selectFrom("shift_assignments as a")
      .innerJoin("shifts as s", "s.id", "a.shift_id")
      .innerJoin("zones as z", "z.id", "s.zone_id")
      .select([...SHIFT_COLUMNS, "z.meeting_point_note", "a.status as my_status", "a.checked_in_at", "a.checked_out_at"])
      .where("a.observer_id", "=", claims.sub)
      .where((eb) => eb.or([eb("a.status", "<>", "cancelled"), eb("s.cancelled_at", "is not", null)]))
      .where("s.ends_at", ">", new Date(now.getTime() - 60 * 86_400_000))
      .orderBy("s.starts_at")
      .orderBy("a.seq")
      .execute();
    return { rows, waitlist: await positions(trx) };
  });
  const latest = new Map<string, (typeof rows.rows)[number]>();
  for (const r of rows.rows) latest.set(r.id, r); // ordered by seq: the last one per shift wins
  const all = [...latest.values()]
    // A cancelled shift stays in the list so the person sees why it went away; their own cancellations do not.
    .filter((r) => r.my_status !== "cancelled" || r.cancelled_at !== null)
    .map((r) => ({
      ...toSummary(r, rows.waitlist),
      checkedInAt: r.checked_in_at ? iso(r.checked_in_at) : null,
      checkedOutAt: r.checked_out_at ? iso(r.checked_out_at) : null,
      meetingPointNote: r.meeting_point_note,
    }));
  return {
    upcoming: all.filter((s) => new Date(s.endsAt) > now),
    past: all.filter((s) => new Date(s.endsAt) <= now).reverse(),
  };
}

type AssignmentRow = {
  id: string;
  status: AssignmentStatus;
  shift_id: string;
  observer_id: string;
  claimed_at: Date | null;
  checked_in_at: Date | null;
};

/** One statement, one transaction, one round trip: `commit` follows the call on the wire. */
function callAssignment(actor: Actor, call: (trx: Trx) => Promise<{ rows: AssignmentRow[] }>) {
  return guarded(() => withUser(actor, async (trx) => (await call(trx)).rows[0]!, { statements: 1 }), SHIFT_REFUSALS);
}

/**
 * Claims a spot; when the shift is full the person joins its waitlist instead. One statement in
 * one transaction and one round trip (`begin`, the claim and `commit` go out together); the claim
 * also tells where on the waitlist the person landed (none for a claimed spot).
 */
export const claimShift = (actor: Actor, shiftId: string, joinWaitlist = true) =>
  guarded(
    () =>
      withUser(
        actor,
        async (trx) => {
          const { rows } = await sql<AssignmentRow & { waitlist_position: number | null }>`
            select (c.assignment).*, c.waitlist_position from private.claim_spot(${shiftId}::uuid, ${joinWaitlist}) c`.execute(trx);
          const { waitlist_position: position, ...row } = rows[0]!;
          return { ...row, position: row.status === "waitlisted" ? position : null };
        },
        { statements: 1 },
      ),
    SHIFT_REFUSALS,
  );

export const leaveShift = (actor: Actor, shiftId: string) =>
  callAssignment(actor, (trx) => sql<AssignmentRow>`select * from private.leave_shift(${shiftId}::uuid)`.execute(trx));

export const checkIn = (actor: Actor, shiftId: string) =>
  callAssignment(actor, (trx) => sql<AssignmentRow>`select * from private.check_in(${shiftId}::uuid)`.execute(trx));

export const checkOut = (actor: Actor, shiftId: string) =>
  callAssignment(actor, (trx) => sql<AssignmentRow>`select * from private.check_out(${shiftId}::uuid)`.execute(trx));

export const assignToShift = (claims: Claims, shiftId: string, observerId: string) =>
  callAssignment(claims, (trx) => sql<AssignmentRow>`select * from private.assign_to_shift(${shiftId}::uuid, ${observerId}::uuid)`.execute(trx));

export const unassignFromShift = (claims: Claims, shiftId: string, assignmentId: string) =>
  callAssignment(claims, (trx) => sql<AssignmentRow>`select * from private.unassign_from_shift(${shiftId}::uuid, ${assignmentId}::uuid)`.execute(trx));

export const cancelShift = (claims: Claims, shiftId: string, reason: string) =>
  guarded(() => withUser(claims, (trx) => sql`select id from private.cancel_shift(${shiftId}::uuid, ${reason})`.execute(trx)), SHIFT_REFUSALS);

/** Creates one shift or a weekly series; returns the new shift's or series' id. */
export function createShifts(claims: Claims, input: CreateShiftInput): Promise<{ kind: "shift" | "series"; id: string; count: number }> {
  const languages = `{${input.needsLanguages.join(",")}}`;
  return guarded(() =>
    withUser(claims, async (trx) => {
      if (input.repeat === "weekly") {
        const { rows } = await sql<{ id: string }>`select private.create_shift_series(
            ${input.zoneId}::uuid, ${`{${input.weekdays.join(",")}}`}::smallint[], ${input.startTime}::time, ${input.endTime}::time,
            ${input.date}::date, ${input.until}::date, ${input.capacity}::smallint, ${languages}::text[],
            ${input.needsTeamLead}, ${input.notes}) as id`.execute(trx);
        const id = rows[0]!.id;
        const count = await trx
          .selectFrom("shifts")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("series_id", "=", id)
          .executeTakeFirstOrThrow();
        return { kind: "series" as const, id, count: Number(count.n) };
      }
      const { rows } = await sql<{ id: string }>`select private.create_shift(
          ${input.zoneId}::uuid, ${input.date}::date, ${input.startTime}::time, ${input.endTime}::time,
          ${input.capacity}::smallint, ${languages}::text[], ${input.needsTeamLead}, ${input.notes}) as id`.execute(trx);
      return { kind: "shift" as const, id: rows[0]!.id, count: 1 };
    }),
    SHIFT_REFUSALS,
  );
}

export async function updateShift(claims: Claims, shiftId: string, input: { capacity: number; notes: string }) {
  const updated = await guarded(() =>
    withUser(claims, (trx) =>
      trx
        .updateTable("shifts")
        .set({ capacity: input.capacity, notes: input.notes })
        .where("id", "=", shiftId)
        .returning("id")
        .executeTakeFirst(),
    ),
    SHIFT_REFUSALS,
  );
  if (!updated) throw new DomainError(404, "shifts.errors.notFound");
}

export interface RosterEntry {
  id: string;
  observerId: string;
  name: string;
  email: string;
  phone: string | null;
  languages: string[];
  trainingDate: string | null;
  status: AssignmentStatus;
  position: number;
  claimedAt: string | null;
  checkedInAt: string | null;
  checkedOutAt: string | null;
  assignedBy: string | null;
}

/** Everyone on a shift and its waitlist, in queue order. RLS returns nothing to observers. */
export async function roster(claims: Claims, shiftId: string): Promise<RosterEntry[]> {
  const rows = await readAsUser(claims, (trx) =>
    trx
      .selectFrom("shift_assignments as a")
      .innerJoin("profiles as p", "p.id", "a.observer_id")
      .leftJoin("profiles as by", "by.id", "a.assigned_by")
      .select([
        "a.id",
        "a.observer_id",
        "p.display_name",
        "p.email",
        "p.phone",
        "p.languages",
        "p.training_date",
        "a.status",
        "a.claimed_at",
        "a.checked_in_at",
        "a.checked_out_at",
        "by.display_name as assigned_by",
      ])
      .where("a.shift_id", "=", shiftId)
      .where("a.status", "<>", "cancelled")
      .orderBy(sql`a.status = 'waitlisted'`)
      .orderBy("a.seq")
      .execute(),
  );
  let waiting = 0;
  return rows.map((r) => ({
    id: r.id,
    observerId: r.observer_id,
    name: r.display_name,
    email: r.email,
    phone: r.phone,
    languages: r.languages,
    trainingDate: r.training_date,
    status: r.status,
    position: r.status === "waitlisted" ? ++waiting : 0,
    claimedAt: r.claimed_at ? iso(r.claimed_at) : null,
    checkedInAt: r.checked_in_at ? iso(r.checked_in_at) : null,
    checkedOutAt: r.checked_out_at ? iso(r.checked_out_at) : null,
    assignedBy: r.assigned_by,
  }));
}

/** Active observers a coordinator may put on a shift, with whether their training is current for it. */
export async function assignableObservers(claims: Claims, shiftId: string) {
  return guarded(() =>
    readAsUser(claims, async (trx) => {
      const { rows } = await sql<{ id: string; name: string; email: string; eligibility: string }>`
        select * from private.assignable_observers(${shiftId}::uuid)`.execute(trx);
      return rows;
    }),
    SHIFT_REFUSALS,
  );
}

export interface WeekShift {
  id: string;
  zoneId: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
  claimed: number;
  waitlisted: number;
  cancelled: boolean;
  needsLanguages: string[];
  needsTeamLead: boolean;
}

/** Every shift of the week, cancelled ones too, with the zones they belong to. */
export async function shiftsBetween(claims: Claims, from: Date, to: Date): Promise<WeekShift[]> {
  const rows = await readAsUser(claims, (trx) =>
    trx
      .selectFrom("shifts as s")
      .select([
        "s.id",
        "s.zone_id",
        "s.starts_at",
        "s.ends_at",
        "s.capacity",
        "s.claimed_count",
        "s.waitlist_count",
        "s.cancelled_at",
        "s.needs_languages",
        "s.needs_team_lead",
      ])
      .where("s.starts_at", ">=", from)
      .where("s.starts_at", "<", to)
      .orderBy("s.starts_at")
      .execute(),
  );
  return rows.map((r) => ({
    id: r.id,
    zoneId: r.zone_id,
    startsAt: iso(r.starts_at),
    endsAt: iso(r.ends_at),
    capacity: r.capacity,
    claimed: r.claimed_count,
    waitlisted: r.waitlist_count,
    cancelled: r.cancelled_at !== null,
    needsLanguages: r.needs_languages,
    needsTeamLead: r.needs_team_lead,
  }));
}

/** Open spots per zone over a window, for the observers' map. */
export async function openSpotsByZone(claims: Claims, from: Date, to: Date) {
  const rows = await readAsUser(claims, (trx) =>
    trx
      .selectFrom("shifts as s")
      .select(["s.zone_id", sql<number>`sum(s.capacity - s.claimed_count)::int`.as("open")])
      .where("s.cancelled_at", "is", null)
      .where("s.ends_at", ">", from)
      .where("s.starts_at", "<", to)
      .groupBy("s.zone_id")
      .execute(),
  );
  return new Map(rows.map((r) => [r.zone_id, r.open]));
}

export function rosterCsv(entries: RosterEntry[], headers: string[]) {
  const lines = [headers.map(csvCell).join(",")];
  for (const e of entries) {
    lines.push(
      [e.name, e.email, e.phone, e.languages.join(" "), e.trainingDate, e.status, e.position || null, e.checkedInAt, e.checkedOutAt]
        .map(csvCell)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}
