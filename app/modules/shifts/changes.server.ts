import { type Claims, readAsUser, sql, withUser } from "~/db/client.server";
import { DomainError, guarded, type GuardOptions } from "~/db/errors.server";
import type { AssignmentStatus } from "~/db/types";
import type { EditSeriesInput, RescheduleShiftInput } from "./schema";

// Shifts that change after people claimed them (migration 20261207060000_shift_changes.sql, ADR 019):
// one shift's day and times, or a weekly series from a date on. The database re-checks everyone on
// the shift; a double-booking refuses the change (shiftChange.errors.timeConflict) unless the coordinator
// confirmed taking those people off, and then conflictsOf… names them for the page.

const CHANGE_REFUSALS: GuardOptions = {
  also: ({ code, constraint }) => {
    if (code === "23514" && constraint === "shifts_capacity_not_exceeded") return new DomainError(409, "shifts.errors.capacityBelowClaimed", "capacity");
    // A local end more than 24 hours after the start (a DST change over a 24-hour shift).
    if (code === "23514" && constraint === "shifts_time_order") return new DomainError(409, "shifts.errors.endTime", "endTime");
    return undefined;
  },
};

/** Which form field each refusal of a change belongs to. */
const FIELD_OF: Record<string, string> = {
  "shiftChange.errors.timeConflict": "startTime",
  "shifts.errors.inPast": "date",
  "shifts.errors.endTime": "endTime",
  "shifts.errors.capacity": "capacity",
  "shiftChange.errors.seriesNothingFrom": "from",
};

function withField(error: unknown, dateField: "date" | "from"): never {
  if (error instanceof DomainError && !error.field && FIELD_OF[error.messageKey]) {
    const field = FIELD_OF[error.messageKey] === "date" ? dateField : FIELD_OF[error.messageKey]!;
    throw new DomainError(error.status, error.messageKey, field);
  }
  throw error;
}

export interface TimeConflict {
  shiftId: string;
  observerId: string;
  name: string;
  status: AssignmentStatus;
  /** The shift they would clash with; null when the reason is their training. */
  otherShiftId: string | null;
  otherZone: string | null;
  otherStartsAt: string | null;
  otherEndsAt: string | null;
  /** Set when their training will have expired by the new time: the day it stops being valid. */
  trainingValidUntil: string | null;
}

type ConflictRow = {
  shift_id: string;
  observer_id: string;
  name: string;
  status: AssignmentStatus;
  other_shift_id: string | null;
  other_zone: string | null;
  other_starts_at: Date | null;
  other_ends_at: Date | null;
  /** `date`: node-postgres gives it as YYYY-MM-DD (app/db/client.server.ts). */
  training_valid_until: string | null;
};

const toConflict = (r: ConflictRow): TimeConflict => ({
  shiftId: r.shift_id,
  observerId: r.observer_id,
  name: r.name,
  status: r.status,
  otherShiftId: r.other_shift_id,
  otherZone: r.other_zone,
  otherStartsAt: r.other_starts_at === null ? null : new Date(r.other_starts_at).toISOString(),
  otherEndsAt: r.other_ends_at === null ? null : new Date(r.other_ends_at).toISOString(),
  trainingValidUntil: r.training_valid_until,
});

/**
 * Moves a shift to a local day and times; people in `takeOff` it does not suit (double-booked,
 * training expired by then) are taken off. Returns how many people already checked in (or out)
 * stay on it: a move never takes them off (ADR 030).
 */
export async function rescheduleShift(claims: Claims, shiftId: string, input: Pick<RescheduleShiftInput, "date" | "startTime" | "endTime" | "takeOff">) {
  const takeOff = `{${input.takeOff.join(",")}}`;
  try {
    return await guarded(
      () =>
        withUser(
          claims,
          async (trx) => {
            const { rows } = await sql<{ stayed: number }>`
              select (select count(*)::int from public.shift_assignments a
                      where a.shift_id = s.id and a.status in ('checked_in', 'checked_out')) as stayed
              from private.change_shift_time(${shiftId}::uuid, ${input.date}::date, ${input.startTime}::time, ${input.endTime}::time, ${takeOff}::uuid[]) s`.execute(trx);
            return rows[0]?.stayed ?? 0;
          },
          { statements: 1 },
        ),
      CHANGE_REFUSALS,
    );
  } catch (error) {
    withField(error, "date");
  }
}

/** Who a move of the shift would double-book (and with which of their shifts), or outlast the training of. */
export async function conflictsOfReschedule(claims: Claims, shiftId: string, input: Pick<RescheduleShiftInput, "date" | "startTime" | "endTime">) {
  return guarded(() =>
    readAsUser(claims, async (trx) => {
      const { rows } = await sql<ConflictRow>`select * from private.shift_time_conflicts(
        ${shiftId}::uuid, ${input.date}::date, ${input.startTime}::time, ${input.endTime}::time)`.execute(trx);
      return rows.map(toConflict);
    }),
  );
}

/** Changes every shift of a series from a local date on; returns how many shifts changed. */
export async function editShiftSeries(claims: Claims, seriesId: string, input: Omit<EditSeriesInput, "intent">) {
  const languages = `{${input.needsLanguages.join(",")}}`;
  const takeOff = `{${input.takeOff.join(",")}}`;
  try {
    return await guarded(
      () =>
        withUser(
          claims,
          async (trx) => {
            const { rows } = await sql<{ n: number }>`select private.edit_shift_series(
              ${seriesId}::uuid, ${input.from}::date, ${input.startTime}::time, ${input.endTime}::time,
              ${input.capacity}::smallint, ${languages}::text[], ${input.needsTeamLead}, ${takeOff}::uuid[]) as n`.execute(trx);
            return rows[0]!.n;
          },
          { statements: 1 },
        ),
      CHANGE_REFUSALS,
    );
  } catch (error) {
    withField(error, "from");
  }
}

/** Who an edit of the series from a date on would double-book. */
export async function conflictsOfSeriesEdit(claims: Claims, seriesId: string, input: Pick<EditSeriesInput, "from" | "startTime" | "endTime">) {
  return guarded(() =>
    readAsUser(claims, async (trx) => {
      const { rows } = await sql<ConflictRow>`select * from private.series_time_conflicts(
        ${seriesId}::uuid, ${input.from}::date, ${input.startTime}::time, ${input.endTime}::time)`.execute(trx);
      return rows.map(toConflict);
    }),
  );
}

export interface SeriesInfo {
  id: string;
  weekdays: number[];
  startTime: string;
  endTime: string;
  startsOn: string;
  endsOn: string;
  /** Shifts of the series not cancelled and not started. */
  upcoming: number;
}

/** A weekly series as coordinators see it (RLS: coordinators and admins only). */
export async function seriesInfo(claims: Claims, seriesId: string): Promise<SeriesInfo | null> {
  const row = await readAsUser(claims, (trx) =>
    trx
      .selectFrom("shift_series as ser")
      .select([
        "ser.id",
        "ser.weekdays",
        sql<string>`to_char(ser.start_time, 'HH24:MI')`.as("start_time"),
        sql<string>`to_char(ser.end_time, 'HH24:MI')`.as("end_time"),
        sql<string>`to_char(ser.starts_on, 'YYYY-MM-DD')`.as("starts_on"),
        sql<string>`to_char(ser.ends_on, 'YYYY-MM-DD')`.as("ends_on"),
        sql<string>`(select count(*) from public.shifts s where s.series_id = ser.id and s.cancelled_at is null and s.starts_at > now())`.as("upcoming"),
      ])
      .where("ser.id", "=", seriesId)
      .executeTakeFirst(),
  );
  if (!row) return null;
  return {
    id: row.id,
    weekdays: row.weekdays,
    startTime: row.start_time,
    endTime: row.end_time,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    upcoming: Number(row.upcoming),
  };
}

export interface ClaimStanding {
  /** 'ok', 'not_observer', 'training_missing' or 'training_expired', as of today. */
  eligibility: string;
  trainingDate: string | null;
  validUntil: string | null;
}

/** Whether the signed-in person may claim shifts at all today, and until when their training holds. */
export async function myClaimStanding(claims: Claims): Promise<ClaimStanding> {
  const { rows } = await readAsUser(claims, (trx) =>
    sql<{ eligibility: string; training_date: string | null; valid_until: string | null }>`
      select eligibility, to_char(training_date, 'YYYY-MM-DD') as training_date, to_char(valid_until, 'YYYY-MM-DD') as valid_until
      from private.my_claim_standing()`.execute(trx),
  );
  const row = rows[0];
  return { eligibility: row?.eligibility ?? "not_observer", trainingDate: row?.training_date ?? null, validUntil: row?.valid_until ?? null };
}
