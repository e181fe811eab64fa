import type { Selectable } from "kysely";
import { type Claims, readAsUser, sql, withUser } from "~/db/client.server";
import type { IntakeOverview } from "~/db/types";
import { DomainError, guarded } from "~/db/errors.server";
import { createDispatch } from "~/modules/dispatch/dispatch.server";
import { fileReport, type PlainP2 } from "~/modules/reports/reports.server";
import type { STATUSES, VERIFICATIONS } from "./constants";
import { isBlankCaller, isBlankPerson, reportInputOf, type IntakeInput } from "./schema";

// Hotline intake and verification (docs/decisions/025-hotline-intake.md). A logged call is a
// report with source "hotline": this module files it through the report module (same sealing, same
// idempotency), lists calls through public.intake_overview, settles them through
// private.settle_intake (audited) and sends observers through the dispatch module.

const iso = (value: string | Date | null) => (value === null ? null : new Date(value).toISOString());

/** The caller and the people named, when typed without JavaScript: sealed on receipt, never stored as text. */
export function intakePlain(input: IntakeInput): PlainP2 | null {
  const named = input.named.filter((p) => !isBlankPerson(p));
  const caller = isBlankCaller(input.caller) ? null : input.caller;
  if (!caller && named.length === 0) return null;
  return { payload: { detained: [], witnesses: [], caller, named }, detained: named.filter((p) => p.situation === "detained").length, witnesses: 0 };
}

/** "Log a call": files the call once (a repeated submission lands on the same report). */
export function logCall(claims: Claims, input: IntakeInput, timeZone: string) {
  return fileReport(claims, reportInputOf(input), intakePlain(input), timeZone, "hotline");
}

export interface IntakeListItem {
  id: string;
  occurredAt: string;
  submittedAt: string;
  zoneName: string | null;
  crossStreets: string;
  activities: string[];
  urgency: string;
  verification: string;
  status: string;
  mine: boolean;
  verifyingReports: number;
}

/** Logged calls, newest first (hotline volunteers, coordinators, admins, attorneys; the view decides). */
export async function listIntake(
  claims: Claims,
  filters: { status: (typeof STATUSES)[number] | null; verification: (typeof VERIFICATIONS)[number] | null },
): Promise<IntakeListItem[]> {
  const rows = await readAsUser(claims, (trx) => {
    let query = trx
      .selectFrom("intake_overview as i")
      .leftJoin("zones as z", "z.id", "i.zone_id")
      .select(["i.id", "i.occurred_at", "i.submitted_at", "z.name as zone_name", "i.cross_streets", "i.activities", "i.urgency", "i.verification", "i.status", "i.logged_by", "i.verifying_reports"]);
    if (filters.status) query = query.where("i.status", "=", filters.status);
    if (filters.verification) query = query.where("i.verification", "=", filters.verification);
    return query.orderBy("i.submitted_at", "desc").orderBy("i.id", "desc").limit(200).execute();
  });
  return rows.map((r) => listItemOf(r, claims));
}

type OverviewRow = Pick<Selectable<IntakeOverview>, "id" | "occurred_at" | "submitted_at" | "cross_streets" | "activities" | "urgency" | "verification" | "status" | "logged_by" | "verifying_reports"> & {
  zone_name: string | null;
};

function listItemOf(r: OverviewRow, claims: Claims): IntakeListItem {
  return {
    id: r.id!,
    occurredAt: iso(r.occurred_at!)!,
    submittedAt: iso(r.submitted_at!)!,
    zoneName: r.zone_name,
    crossStreets: r.cross_streets ?? "",
    activities: r.activities ?? [],
    urgency: r.urgency!,
    verification: r.verification!,
    status: r.status!,
    mine: r.logged_by === claims.sub,
    verifyingReports: r.verifying_reports ?? 0,
  };
}

export interface IntakeView extends IntakeListItem {
  location: { type: "Point"; coordinates: [number, number] } | null;
  agentCountMin: number | null;
  agentsPossiblyMore: boolean;
  agencies: string[];
  verificationReason: string;
  verifiedAt: string | null;
  /** Only for whoever may read the whole report (the volunteer who logged it, attorneys). */
  narrative: string | null;
  sealed: boolean | null;
  dispatches: { id: string; createdAt: string; cancelledAt: string | null }[];
}

/** One logged call: its overview for everyone allowed, the rest for whoever may read the report. */
export async function getIntake(claims: Claims, id: string): Promise<IntakeView> {
  const found = await readAsUser(claims, async (trx) => {
    const [overview, full, dispatches] = await Promise.all([
      trx
        .selectFrom("intake_overview as i")
        .leftJoin("zones as z", "z.id", "i.zone_id")
        .selectAll("i")
        .select("z.name as zone_name")
        .where("i.id", "=", id)
        .executeTakeFirst(),
      // RLS: a row only for the volunteer who logged it, attorneys and admins.
      trx.selectFrom("reports").select(["narrative", "sealed"]).where("id", "=", id).where("source", "=", "hotline").executeTakeFirst(),
      // RLS: coordinators read every dispatch; a volunteer those they sent.
      trx.selectFrom("dispatches").select(["id", "created_at", "cancelled_at"]).where("report_id", "=", id).orderBy("created_at", "desc").limit(20).execute(),
    ]);
    return overview ? { overview, full, dispatches } : null;
  });
  if (!found) throw new DomainError(404, "hotline.errors.notFound");
  const { overview: r, full, dispatches } = found;
  return {
    ...listItemOf(r, claims),
    location: r.location as IntakeView["location"],
    agentCountMin: r.agent_count_min,
    agentsPossiblyMore: Boolean(r.agents_possibly_more),
    agencies: r.agencies ?? [],
    verificationReason: r.verification_reason ?? "",
    verifiedAt: iso(r.verified_at),
    narrative: full ? full.narrative : null,
    sealed: full ? full.sealed !== null : null,
    dispatches: dispatches.map((d) => ({ id: d.id, createdAt: iso(d.created_at)!, cancelledAt: iso(d.cancelled_at) })),
  };
}

/** Confirmed or false alarm, with a reason: attorneys, coordinators, hotline volunteers (audited). */
export const settleIntake = (claims: Claims, id: string, verification: "confirmed" | "false_alarm", reason: string) =>
  guarded(
    () => withUser(claims, (trx) => sql`select private.settle_intake(${id}::uuid, ${verification}::public.report_verification, ${reason})`.execute(trx)),
    { field: "reason", also: ({ code }) => (code === "22P02" ? new DomainError(404, "hotline.errors.notFound") : undefined) },
  );

/** "Dispatch to verify": the existing dispatch to a report, to the zone of the call and its neighbours. */
export const dispatchToVerify = (claims: Claims, id: string, note: string, clientKey: string | null) =>
  createDispatch(claims, { target: { kind: "report", reportId: id }, note, clientKey });

export interface Tip {
  reportId: string;
  dispatchId: string;
  dispatchedAt: string;
  zoneName: string | null;
  crossStreets: string;
}

/** The calls an observer was sent to verify in the last 7 days. */
export async function myTips(claims: Claims): Promise<Tip[]> {
  const { rows } = await readAsUser(claims, (trx) =>
    sql<{ report_id: string; dispatch_id: string; dispatched_at: Date; zone_name: string | null; cross_streets: string }>`
      select * from private.my_tips() order by dispatched_at desc`.execute(trx),
  );
  return rows.map((r) => ({ reportId: r.report_id, dispatchId: r.dispatch_id, dispatchedAt: iso(r.dispatched_at)!, zoneName: r.zone_name, crossStreets: r.cross_streets }));
}

/** An observer says which call their own report verifies (or none). RLS: only their own report, before review. */
export async function linkReportToTip(claims: Claims, reportId: string, tipId: string | null) {
  const updated = await guarded(
    () =>
      withUser(claims, (trx) =>
        trx.updateTable("reports").set({ verifies_report: tipId }).where("id", "=", reportId).where("author_id", "=", claims.sub).returning("id").executeTakeFirst(),
      ),
    { field: "tip", also: ({ code }) => (code === "22P02" || code === "23503" ? new DomainError(404, "hotline.errors.notYourTip", "tip") : undefined) },
  );
  if (!updated) throw new DomainError(404, "hotline.errors.linkRefused", "tip");
}
