import type { RawBuilder } from "kysely";
import { NOTE_AAD_VERSION, noteAad } from "./note-aad";
import { type Claims, readAsUser, sql, type Trx, withUser } from "~/db/client.server";
import { DomainError, guarded } from "~/db/errors.server";
import { fileStore } from "~/integrations/file-store.server";
import { SealingError, validateSealedBox } from "~/integrations/sealing";
import { addendumAad } from "~/modules/reports/addenda";
import { localDate } from "~/modules/clock/format";
import { mediaAad } from "~/modules/reports/media";
import { checkEnvelopes, readReport, sealingRecipients } from "~/modules/reports/reports.server";
import { REVIEW_REFUSALS } from "./errors";
import { REPORT_STATUSES, URGENCIES, VERIFICATIONS, type ReportStatus } from "./filters";
import { UUID } from "~/utils/misc";
import { requiredMessage, tooLongMessage } from "~/utils/field-messages";
import type { AlertKind } from "~/modules/alerts/alerts";

/** The status workflow, as `private.report_transitions` enforces it (a test keeps them equal). */
export const TRANSITIONS: Record<ReportStatus, ReportStatus[]> = {
  new: ["in_review", "closed"],
  in_review: ["follow_up", "referred", "closed"],
  follow_up: ["in_review", "referred", "closed"],
  referred: ["follow_up", "closed"],
  closed: ["in_review"],
};

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export interface AuditEntry {
  seq: number;
  at: string;
  actorName: string | null;
  event: string;
  details: Record<string, unknown>;
}

export interface TeamMember {
  id: string;
  name: string;
  attorney: boolean;
  active: boolean;
}

/** Attorneys' and admins' names (they cannot read each other's profiles under RLS). */

export async function legalTeam(trx: Trx): Promise<Map<string, TeamMember>> {
  const { rows } = await sql<TeamMember>`select id, name, attorney, active from private.legal_team_directory()`.execute(trx);
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Everything an attorney sees of one report without unsealing, and the record that they looked.
 * The view is audited in its own transaction first: no view goes unrecorded.
 */
export async function reviewDetail(claims: Claims, id: string) {
  await guarded(() => withUser(claims, (trx) => sql`select private.record_report_access(${id}::uuid, 'viewed')`.execute(trx)), REVIEW_REFUSALS);
  // The report and everything around it, sent together: one round trip, two statements and one.
  const [{ report, row: triage }, around] = await Promise.all([
    readReport(claims, id).catch((error: unknown) => {
      if (error instanceof DomainError) throw new DomainError(error.status === 404 ? 404 : 403, error.messageKey);
      throw error;
    }),
    readAsUser(claims, (trx) => aroundReport(trx, id)),
  ]);
  const { media, notes, tasks, messages, trail } = around;
  const team = new Map(around.team.map((r) => [r.id, r]));
  const nameOf = (who: string | null) => (who ? (team.get(who)?.name ?? null) : null);
  return {
    report,
    clientUuid: triage.client_uuid,
    hasAuthor: triage.author_id !== null,
    assignedTo: triage.assigned_to,
    legalHold: triage.legal_hold,
    legalHoldReason: triage.legal_hold_reason,
    reviewStartedAt: iso(triage.review_started_at),
    closedAt: iso(triage.closed_at),
    purgedAt: iso(triage.purged_at),
    next: TRANSITIONS[report.status as ReportStatus] ?? [],
    media: media.map((m) => ({ id: m.id, storedSha256: m.storage_key, contentType: m.content_type, size: Number(m.size_bytes), createdAt: iso(m.created_at)! })),
    notes: notes.map((n) => ({ id: n.id, createdAt: iso(n.created_at)!, authorName: nameOf(n.author_id) })),
    tasks: tasks.map((t) => ({
      id: t.id,
      title: t.title,
      dueOn: t.due_on as string | null,
      assignedTo: t.assigned_to,
      assigneeName: nameOf(t.assigned_to),
      done: t.done_at !== null,
    })),
    messages: messages.map((m) => ({ id: m.id, body: m.body, createdAt: iso(m.created_at)!, read: m.read_at !== null, fromName: nameOf(m.from_id) })),
    trail: trail.map(
      (e): AuditEntry => ({
        seq: Number(e.seq),
        at: iso(e.at)!,
        actorName: nameOf(e.actor_id),
        event: e.event,
        details: e.details as Record<string, unknown>,
      }),
    ),
    team: [...team.values()].filter((a) => a.attorney && a.active).map((a) => ({ id: a.id, name: a.name })),
    // Community alerts published for this report (app/modules/alerts), and the delay a new one waits.
    alerts: around.alerts.map((a) => ({
      id: a.id,
      kind: a.kind as AlertKind,
      showFrom: iso(a.show_from)!,
      expiresAt: iso(a.expires_at)!,
      publishedAt: iso(a.published_at)!,
      unpublishedAt: iso(a.unpublished_at),
    })),
    alertDelayMinutes: around.alert_delay_minutes ?? 60,
  };
}

/** A JSON array of rows, `[]` when there are none. */
const jsonRows = (rows: RawBuilder<unknown>) => sql`coalesce((${rows}), '[]'::jsonb)`;

/**
 * What surrounds a report on the attorney's page, in one statement (each part read through RLS
 * as the attorney): media, note stubs, tasks, messages, the last 100 audit events, the team.
 */
async function aroundReport(trx: Trx, id: string) {
  const { rows } = await sql<{
    media: { id: string; storage_key: string; content_type: string; size_bytes: number; created_at: string }[];
    notes: { id: string; created_at: string; author_id: string | null }[];
    tasks: { id: string; title: string; due_on: string | null; assigned_to: string | null; done_at: string | null; created_at: string }[];
    messages: { id: string; body: string; created_at: string; read_at: string | null; from_id: string | null }[];
    trail: { seq: number; at: string; event: string; details: unknown; actor_id: string | null }[];
    team: TeamMember[];
    alerts: { id: string; kind: string; show_from: string; expires_at: string; published_at: string; unpublished_at: string | null }[];
    alert_delay_minutes: number | null;
  }>`
    select
      ${jsonRows(sql`select jsonb_agg(jsonb_build_object('id', m.id, 'storage_key', m.storage_key, 'content_type', m.content_type, 'size_bytes', m.size_bytes, 'created_at', m.created_at) order by m.created_at)
        from public.report_media m where m.report_id = ${id}::uuid`)} as media,
      ${jsonRows(sql`select jsonb_agg(jsonb_build_object('id', n.id, 'created_at', n.created_at, 'author_id', n.author_id) order by n.created_at)
        from public.report_notes n where n.report_id = ${id}::uuid`)} as notes,
      ${jsonRows(sql`select jsonb_agg(jsonb_build_object('id', t.id, 'title', t.title, 'due_on', t.due_on, 'assigned_to', t.assigned_to, 'done_at', t.done_at, 'created_at', t.created_at)
          order by t.done_at nulls first, t.due_on asc nulls last, t.created_at)
        from public.report_tasks t where t.report_id = ${id}::uuid`)} as tasks,
      ${jsonRows(sql`select jsonb_agg(jsonb_build_object('id', m.id, 'body', m.body, 'created_at', m.created_at, 'read_at', m.read_at, 'from_id', m.from_id) order by m.created_at)
        from public.report_messages m where m.report_id = ${id}::uuid`)} as messages,
      ${jsonRows(sql`select jsonb_agg(jsonb_build_object('seq', e.seq, 'at', e.at, 'event', e.event, 'details', e.details, 'actor_id', e.actor_id) order by e.seq desc)
        from (select * from public.audit_events e where e.report_id = ${id}::uuid order by e.seq desc limit 100) e`)} as trail,
      ${jsonRows(sql`select jsonb_agg(jsonb_build_object('id', d.id, 'name', d.name, 'attorney', d.attorney, 'active', d.active))
        from private.legal_team_directory() d`)} as team,
      ${jsonRows(sql`select jsonb_agg(jsonb_build_object('id', a.id, 'kind', a.kind, 'show_from', a.show_from, 'expires_at', a.expires_at,
          'published_at', a.published_at, 'unpublished_at', a.unpublished_at) order by a.published_at desc)
        from public.community_alerts a where a.report_id = ${id}::uuid`)} as alerts,
      (select s.alert_delay_minutes from public.org_settings s) as alert_delay_minutes`.execute(trx);
  return rows[0]!;
}

/**
 * The sealed parts of one report, as ciphertext with their envelopes and any shared later: what
 * the attorney's browser opens with their key. Audited as an unseal before anything is returned.
 */
export async function sealedBundle(claims: Claims, id: string) {
  return guarded(() =>
    withUser(claims, async (trx) => {
      await sql`select private.record_report_access(${id}::uuid, 'unsealed')`.execute(trx);
      const report = await trx.selectFrom("reports").select(["client_uuid", "sealed"]).where("id", "=", id).executeTakeFirstOrThrow();
      const [shares, media, notes, addenda, team] = await Promise.all([
        trx.selectFrom("key_shares").select(["box", "box_id", "envelope"]).where("report_id", "=", id).execute(),
        trx.selectFrom("report_media").select(["id", "sha256", "aad_v", "content_type", "nonce", "sealed"]).where("report_id", "=", id).orderBy("created_at").execute(),
        trx.selectFrom("report_notes").select(["id", "sealed", "created_at", "author_id", "aad_v"]).where("report_id", "=", id).orderBy("created_at").execute(),
        // Detained people and witnesses the author added later (ADR 023)
        trx
          .selectFrom("report_addenda")
          .select(["id", "sealed", "created_at"])
          .where("report_id", "=", id)
          .where("sealed", "is not", null)
          .orderBy("created_at")
          .execute(),
        legalTeam(trx),
      ]);
      const sharesOf = (box: string, boxId: string) => shares.filter((s) => s.box === box && s.box_id === boxId).map((s) => s.envelope);
      return {
        report: report.sealed ? { aad: report.client_uuid, sealed: report.sealed, shares: sharesOf("report", id) } : null,
        media: media.map((m) => ({
          id: m.id,
          // aad_v 1 only; since, the original's hash is in the box and the browser reads it there
          sha256: m.sha256,
          contentType: m.content_type,
          nonce: m.nonce,
          aad: mediaAad(id, { id: m.id, aadV: m.aad_v, sha256: m.sha256 }),
          sealed: m.sealed,
          shares: sharesOf("media", m.id),
        })),
        notes: notes.map((n) => ({
          id: n.id,
          createdAt: iso(n.created_at)!,
          authorName: (n.author_id && team.get(n.author_id)?.name) ?? null,
          aad: noteAad(id, n.id, n.aad_v),
          sealed: n.sealed,
          shares: sharesOf("note", n.id),
        })),
        addenda: addenda.map((a) => ({
          id: a.id,
          createdAt: iso(a.created_at)!,
          aad: addendumAad(id, a.id),
          sealed: a.sealed,
          shares: sharesOf("addendum", a.id),
        })),
      };
    }),
    REVIEW_REFUSALS,
  );
}

export interface TriageInput {
  status: ReportStatus;
  verification: (typeof VERIFICATIONS)[number];
  urgency: (typeof URGENCIES)[number];
  assignedTo: string | null;
}

export function parseTriage(form: FormData): TriageInput {
  const status = String(form.get("status") ?? "");
  const verification = String(form.get("verification") ?? "");
  const urgency = String(form.get("urgency") ?? "");
  const assigned = String(form.get("assignedTo") ?? "");
  if (!(REPORT_STATUSES as readonly string[]).includes(status)) throw new DomainError(400, "review.errors.status", "status");
  if (!(VERIFICATIONS as readonly string[]).includes(verification)) throw new DomainError(400, "review.errors.verification", "verification");
  if (!(URGENCIES as readonly string[]).includes(urgency)) throw new DomainError(400, "review.errors.urgency", "urgency");
  if (assigned && !/^[0-9a-f-]{36}$/i.test(assigned)) throw new DomainError(400, "review.errors.assignee", "assignedTo");
  return { status: status as ReportStatus, verification: verification as TriageInput["verification"], urgency: urgency as TriageInput["urgency"], assignedTo: assigned || null };
}

export async function triageReport(claims: Claims, id: string, input: TriageInput) {
  await guarded(
    () =>
      withUser(claims, (trx) =>
        sql`select private.triage_report(${id}::uuid, ${input.status}::public.report_status, ${input.verification}::public.report_verification,
          ${input.urgency}::public.report_urgency, ${input.assignedTo}::uuid)`.execute(trx),
      ),
    { ...REVIEW_REFUSALS, field: "status" },
  );
}

export async function setLegalHold(claims: Claims, id: string, hold: boolean, reason: string) {
  if (reason.length > 500) throw new DomainError(400, tooLongMessage("review.legalHoldReason", 500), "holdReason");
  await guarded(() => withUser(claims, (trx) => sql`select private.set_legal_hold(${id}::uuid, ${hold}, ${reason})`.execute(trx)), { ...REVIEW_REFUSALS, field: "hold" });
}

/** A note sealed in the attorney's browser: only ciphertext, to current keys, reaches the database. */
/** A note sealed in the attorney's browser to its own id (`noteId`, chosen there: noteAad). */
export async function addNote(claims: Claims, id: string, noteId: string, sealedText: string) {
  if (!UUID.test(noteId)) throw new DomainError(400, "review.errors.noteSealed", "note");
  let box;
  try {
    box = validateSealedBox(JSON.parse(sealedText));
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof SealingError) throw new DomainError(400, "review.errors.noteSealed", "note");
    throw error;
  }
  const recipients = await sealingRecipients(claims);
  try {
    checkEnvelopes(box, recipients, "note");
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError(409, "review.errors.keysChanged", "note");
    throw error;
  }
  await guarded(
    () =>
      withUser(claims, (trx) =>
        // A note sent twice (a retried post) is kept once: its id is the browser's.
        trx
          .insertInto("report_notes")
          .values({ id: noteId, report_id: id, author_id: claims.sub, sealed: JSON.stringify(box), aad_v: NOTE_AAD_VERSION })
          .onConflict((oc) => oc.column("id").doNothing())
          .execute(),
      ),
    { ...REVIEW_REFUSALS, field: "note" },
  );
}

export async function requestInfo(claims: Claims, id: string, body: string) {
  const text = body.trim();
  if (!text) throw new DomainError(400, requiredMessage("review.requestInfoLabel"), "message");
  if (text.length > 2000) throw new DomainError(400, tooLongMessage("review.requestInfoLabel", 2000), "message");
  await guarded(() => withUser(claims, (trx) => sql`select private.request_report_info(${id}::uuid, ${text})`.execute(trx)), { ...REVIEW_REFUSALS, field: "message" });
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const realDay = (day: string) => {
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(day);
};

/**
 * A new task for a report. Its due date, if any, must be today or later in the organisation's
 * time zone (`timeZone`, `now`: the clock module's `localDate`); a task due in the past is a typo.
 */
export async function addTask(claims: Claims, id: string, input: { title: string; dueOn: string; assignedTo: string }, clock: { timeZone: string; now?: Date }) {
  const title = input.title.trim();
  if (!title) throw new DomainError(400, "review.errors.taskTitle", "taskTitle");
  if (title.length > 200) throw new DomainError(400, "review.errors.taskTitleLong", "taskTitle");
  // JavaScript reads 31 April as 1 May; only a day that reads back unchanged exists (PostgreSQL refuses the rest).
  if (input.dueOn && (!DAY.test(input.dueOn) || !realDay(input.dueOn))) {
    throw new DomainError(400, "review.errors.taskDue", "taskDue");
  }
  // yyyy-mm-dd strings compare as dates
  if (input.dueOn && input.dueOn < localDate(clock.now ?? new Date(), clock.timeZone)) {
    throw new DomainError(400, "review.errors.taskDuePast", "taskDue");
  }
  if (input.assignedTo && !/^[0-9a-f-]{36}$/i.test(input.assignedTo)) throw new DomainError(400, "review.errors.assignee", "taskAssignee");
  await guarded(async () => {
    try {
      await withUser(claims, (trx) =>
        trx
          .insertInto("report_tasks")
          .values({ report_id: id, title, due_on: input.dueOn || null, assigned_to: input.assignedTo || null, created_by: claims.sub })
          .execute(),
      );
    } catch (error) {
      // An assignee id that names no one.
      if ((error as { constraint?: string }).constraint === "report_tasks_assigned_to_fkey") {
        throw new DomainError(400, "review.errors.assignee", "taskAssignee");
      }
      throw error;
    }
  }, { ...REVIEW_REFUSALS, field: "taskTitle" });
}

export async function setTaskDone(claims: Claims, reportId: string, taskId: string, done: boolean) {
  const result = await guarded(() =>
    withUser(claims, (trx) =>
      trx
        .updateTable("report_tasks")
        .set(done ? { done_at: sql`now()`, done_by: claims.sub } : { done_at: null, done_by: null })
        .where("id", "=", taskId)
        .where("report_id", "=", reportId)
        .executeTakeFirst(),
    ),
    REVIEW_REFUSALS,
  );
  if (!result.numUpdatedRows) throw new DomainError(404, "errors.notFound");
}

/** The attorney's open tasks across reports, soonest due first: for the queue's side panel. */
export async function myOpenTasks(claims: Claims) {
  const rows = await readAsUser(claims, (trx) =>
    trx
      .selectFrom("report_tasks")
      .select(["id", "report_id", "title", "due_on"])
      .where("assigned_to", "=", claims.sub)
      .where("done_at", "is", null)
      .orderBy("due_on", (ob) => ob.asc().nullsLast())
      .limit(20)
      .execute(),
  );
  return rows.map((r) => ({ id: r.id, reportId: r.report_id, title: r.title, dueOn: r.due_on as string | null }));
}

/** One medium's ciphertext from the file store, if the attorney may read that report's media. */
export async function mediaCiphertext(claims: Claims, reportId: string, mediaId: string) {
  const media = await readAsUser(claims, (trx) =>
    trx.selectFrom("report_media").select(["storage_key"]).where("id", "=", mediaId).where("report_id", "=", reportId).executeTakeFirst(),
  );
  return media ? fileStore().get(media.storage_key) : null;
}
