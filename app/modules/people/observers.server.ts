import { type Claims, readAsUser, sql, withUser } from "~/db/client.server";
import { DomainError, guarded } from "~/db/errors.server";
import { pendingInvitationSql } from "./people.server";
import { OBSERVERS_PAGE_SIZE, type ObserverFilters } from "./observers-schema";

export type TrainingStatus = "valid" | "expired" | "none";

export interface ObserverRow {
  id: string;
  email: string;
  displayName: string;
  languages: string[];
  trainingDate: string | null;
  /** The last day the training counts (training date + the organisation's months), if any. */
  trainingValidUntil: string | null;
  training: TrainingStatus;
  upcomingShifts: number;
  nextShiftAt: string | null;
  lastCheckInAt: string | null;
  pendingInvitation: { id: string; lastSentAt: string | null } | null;
}

export interface ObserverPage {
  observers: ObserverRow[];
  /** Everyone the filters match, on every page. */
  total: number;
  /** The page shown (1-based): the last one when the one asked for is past the end. */
  page: number;
  pageSize: number;
}

/** The same rule claiming uses (private.claim_eligibility), on today's date in the organisation's zone. */
const trainingStatus = sql<TrainingStatus>`case
  when p.training_date is null then 'none'
  when (p.training_date + make_interval(months => o.training_valid_months))::date <= (now() at time zone o.time_zone)::date then 'expired'
  else 'valid' end`;

/** Escapes LIKE's wildcards so a search for "50%" finds "50%", not everything. */
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * A page of the active observers (with how many match in all), with what a coordinator needs to staff shifts. RLS shows profiles to
 * coordinators and admins only; the training's validity is the same rule claiming uses
 * (private.claim_eligibility), on today's date in the organisation's time zone.
 */
export function listObservers(
  claims: Claims,
  filters: ObserverFilters,
  pageSize = OBSERVERS_PAGE_SIZE
): Promise<ObserverPage> {
  return readAsUser(claims, async (trx) => {
    let matching = trx
      .selectFrom("profiles as p")
      .crossJoin("org_settings as o")
      .where("p.deactivated_at", "is", null)
      .where(
        sql<boolean>`exists (select 1 from public.role_grants g where g.user_id = p.id and g.role = 'observer')`
      );
    if (filters.q) {
      const pattern = likePattern(filters.q);
      matching = matching.where((eb) =>
        eb.or([
          eb("p.display_name", "ilike", pattern),
          eb("p.email", "ilike", pattern),
        ])
      );
    }
    if (filters.training) matching = matching.where(sql<boolean>`${trainingStatus} = ${filters.training}`);
    if (filters.language)
      matching = matching.where(
        sql<boolean>`${filters.language} = any (p.languages)`
      );
    // One statement a page: the rows and, beside each, how many match in all.
    const pageOf = (page: number) =>
      matching
        .select([
        "p.id",
        "p.email",
        "p.display_name",
        "p.languages",
        "p.training_date",
        sql<
          string | null
        >`((p.training_date + make_interval(months => o.training_valid_months))::date - 1)::text`.as(
          "valid_until"
        ),
        trainingStatus.as("training"),
        sql<number>`(select count(*)::int from public.shift_assignments a join public.shifts s on s.id = a.shift_id
          where a.observer_id = p.id and a.status = 'claimed' and s.cancelled_at is null and s.starts_at > now())`.as(
          "upcoming"
        ),
        sql<Date | null>`(select min(s.starts_at) from public.shift_assignments a join public.shifts s on s.id = a.shift_id
          where a.observer_id = p.id and a.status = 'claimed' and s.cancelled_at is null and s.starts_at > now())`.as(
          "next_shift_at"
        ),
        sql<Date | null>`(select max(a.checked_in_at) from public.shift_assignments a where a.observer_id = p.id)`.as(
          "last_check_in_at"
        ),
        pendingInvitationSql.as("pending_invitation"),
        sql<number>`count(*) over ()::int`.as("total"),
      ])
      .orderBy("p.display_name")
      .orderBy("p.email")
      .orderBy("p.id")
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute();
    let page = filters.page ?? 1;
    let rows = await pageOf(page);
    let total = rows[0]?.total ?? 0;
    if (rows.length === 0 && page > 1) {
      // Past the end (people left, or a typed URL): the last page there is.
      const counted = await matching.select(sql<number>`count(*)::int`.as("n")).executeTakeFirstOrThrow();
      total = counted.n;
      page = Math.max(1, Math.ceil(total / pageSize));
      if (total > 0) rows = await pageOf(page);
    }
    const observers = rows.map((r) => ({
      id: r.id,
      email: r.email,
      displayName: r.display_name,
      languages: r.languages,
      trainingDate: r.training_date,
      trainingValidUntil: r.valid_until,
      training: r.training,
      upcomingShifts: r.upcoming,
      nextShiftAt: r.next_shift_at
        ? new Date(r.next_shift_at).toISOString()
        : null,
      lastCheckInAt: r.last_check_in_at
        ? new Date(r.last_check_in_at).toISOString()
        : null,
      pendingInvitation: r.pending_invitation,
    }));
    return { observers, total, page, pageSize };
  });
}

/**
 * Records one training date for several people at once, in one transaction: all of them or, if
 * one is not an active observer this person may update, none.
 */
export async function recordTraining(
  claims: Claims,
  userIds: string[],
  trainingDate: string
) {
  const ids = [...new Set(userIds)];
  await guarded(
    () =>
      withUser(claims, async (trx) => {
        const updated = await trx
          .updateTable("profiles")
          .set({ training_date: trainingDate })
          .where("id", "in", ids)
          .where("deactivated_at", "is", null)
          .returning("id")
          .execute();
        if (updated.length !== ids.length)
          throw new DomainError(404, "observers.errors.notFound", "userIds");
      }),
    { field: "userIds" }
  );
  return ids.length;
}
