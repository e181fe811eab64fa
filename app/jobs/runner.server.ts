import { z } from "zod";
import { sql, withSystem, type Trx } from "~/db/client.server";
import { fallbackLanguage, isLanguage, type Language } from "~/i18n/config";
import { translatorFor } from "~/i18n/i18next.server";
import { sendMail, type Mail } from "~/integrations/mail.server";
import { DispatchAlertPayload, dispatchAlertMail } from "~/modules/dispatch/dispatch-mail.server";
import { runLiveChecks } from "~/modules/live/live.server";
import { SafetyCheckPayload, safetyCheckMail } from "~/modules/live/safety-mail.server";
import { infoRequestedMail, InfoRequestedPayload } from "~/modules/review/info-request-mail.server";
import { runRetentionOnce } from "~/modules/review/retention.server";
import { env } from "~/utils/env.server";
import { formatDay, formatShiftTime, formatTime } from "~/modules/clock/format";

// The background runner for the emails shifts (and requests for more information) cause, and for
// retention. Jobs live in `private.jobs` (see the shifts
// migration); each is claimed with FOR UPDATE SKIP LOCKED and marked done in the transaction that
// sends it, so any number of app instances may run this and no two send the same job. One window
// remains: if the process dies after the mail server accepted a message and before the commit, that
// message goes out again on the next run (at-least-once there, exactly-once otherwise).

const MAX_ATTEMPTS = 5;
/** Minutes to wait after the first, second, … failed attempt. */
const BACKOFF_MINUTES = [1, 5, 30, 30];
/** One instance at a time adds the due reminders; the others go straight to sending. */
const ENQUEUE_LOCK = "testigo.enqueue_due_reminders";

export interface JobCounts {
  sent: number;
  skipped: number;
  failed: number;
}
type Outcome = keyof JobCounts;

const Payload = z.object({
  assignment_id: z.string().uuid(),
  reminder: z.enum(["day_before", "two_hours"]).optional(),
});
type Payload = z.infer<typeof Payload>;

interface Job {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
}

/** Not worth retrying: the job itself is malformed. */
class InvalidJob extends Error {
  name = "InvalidJob";
}

/** A short, personal-data-free description of a failure: its class and code, never its message. */
function errorName(error: unknown) {
  const name = error instanceof Error ? error.name : "UnknownError";
  const code = (error as { code?: unknown } | null)?.code;
  const safeCode = typeof code === "string" && /^[A-Za-z0-9_]{1,40}$/.test(code) ? `: ${code}` : "";
  return `${name.slice(0, 60)}${safeCode}`;
}

const translators = new Map<Language, ReturnType<typeof translatorFor>>();
function translator(language: Language) {
  let t = translators.get(language);
  if (!t) {
    t = translatorFor(language);
    translators.set(language, t);
  }
  return t;
}

/** Everything one email needs, about its recipient and their own shift only. */
async function loadAssignment(trx: Trx, assignmentId: string) {
  return trx
    .selectFrom("shift_assignments as a")
    .innerJoin("shifts as s", "s.id", "a.shift_id")
    .innerJoin("zones as z", "z.id", "s.zone_id")
    .innerJoin("profiles as p", "p.id", "a.observer_id")
    .crossJoin("org_settings as o")
    .select([
      "a.status",
      "s.id as shift_id",
      "s.starts_at",
      "s.ends_at",
      "s.cancelled_at",
      "s.cancel_reason",
      "z.name as zone_name",
      "z.meeting_point_note",
      "p.email",
      "p.display_name",
      "p.preferred_language",
      "p.deactivated_at",
      "o.time_zone",
      "o.name as org_name",
      // The database's clock, the same one that made the job due.
      sql<boolean>`s.starts_at <= now()`.as("started"),
      sql<boolean>`s.starts_at <= now() + interval '2 hours'`.as("within_two_hours"),
    ])
    .where("a.id", "=", assignmentId)
    .executeTakeFirst();
}
type Assignment = NonNullable<Awaited<ReturnType<typeof loadAssignment>>>;

/** Whether the email still means something now that it is due. */
function stillRelevant(kind: string, payload: Payload, a: Assignment) {
  if (a.deactivated_at !== null) return false;
  switch (kind) {
    case "shift_reminder":
      if (a.status !== "claimed" || a.cancelled_at !== null || a.started) return false;
      // A day-before reminder delayed into the last two hours would arrive next to the two-hours one.
      return payload.reminder === "two_hours" || !a.within_two_hours;
    case "waitlist_promoted":
      // A spot can open while the shift is under way; it is still worth telling.
      return a.status === "claimed";
    case "shift_assigned":
      return a.status === "claimed" && a.cancelled_at === null;
    case "shift_cancelled":
    case "shift_unassigned":
      return true;
    default:
      throw new InvalidJob();
  }
}

async function composeMail(kind: string, payload: Payload, a: Assignment): Promise<Mail> {
  const language = isLanguage(a.preferred_language) ? a.preferred_language : fallbackLanguage;
  const t = await translator(language);
  const startsAt = new Date(a.starts_at).toISOString();
  const endsAt = new Date(a.ends_at).toISOString();
  const zone = a.zone_name;
  const day = formatDay(startsAt, a.time_zone, language);

  let subject: string;
  let body: string;
  if (kind === "shift_reminder" && payload.reminder === "two_hours") {
    subject = t("email.reminderTwoHoursSubject", { zone, time: formatTime(startsAt, a.time_zone, language) });
    body = t("email.reminderTwoHoursBody");
  } else if (kind === "shift_reminder") {
    subject = t("email.reminderDayBeforeSubject", { zone, day });
    body = t("email.reminderDayBeforeBody");
  } else if (kind === "waitlist_promoted") {
    subject = t("email.promotedSubject", { zone, day });
    body = t("email.promotedBody");
  } else if (kind === "shift_assigned") {
    subject = t("email.assignedSubject", { zone, day });
    body = t("email.assignedBody");
  } else if (kind === "shift_unassigned") {
    subject = t("email.unassignedSubject", { zone, day });
    body = t("email.unassignedBody");
  } else {
    subject = t("email.shiftCancelledSubject", { zone, day });
    body = t("email.shiftCancelledBody");
  }

  const name = a.display_name.trim();
  const details = [
    t("email.shiftZone", { zone }),
    t("email.shiftWhen", { when: formatShiftTime(startsAt, endsAt, a.time_zone, language) }),
    a.meeting_point_note.trim() ? t("email.shiftMeetingPoint", { note: a.meeting_point_note.trim() }) : null,
    kind === "shift_cancelled" && a.cancel_reason.trim() ? t("email.cancelReason", { reason: a.cancel_reason.trim() }) : null,
    t("email.shiftLink", { url: new URL(`/shifts/${a.shift_id}`, env().APP_URL).href }),
  ].filter((line): line is string => line !== null);
  const text = [
    name ? t("email.greeting", { name }) : t("email.greetingNoName"),
    body,
    details.join("\n"),
    t("email.footer", { org: a.org_name }),
  ].join("\n\n");
  return { to: a.email, subject, text };
}

async function recordFailure(trx: Trx, job: Job, error: unknown) {
  const attempts = job.attempts + 1;
  const giveUp = attempts >= MAX_ATTEMPTS || error instanceof InvalidJob;
  const backoff = BACKOFF_MINUTES[Math.min(attempts, BACKOFF_MINUTES.length) - 1]!;
  await trx
    .updateTable("private.jobs")
    .set({
      attempts,
      last_error: errorName(error),
      run_at: sql`now() + make_interval(mins => ${backoff})`,
      done_at: giveUp ? sql`now()` : null,
    })
    .where("id", "=", job.id)
    .where("done_at", "is", null)
    .execute();
}

async function markDone(trx: Trx, job: Job) {
  await trx
    .updateTable("private.jobs")
    .set({ done_at: sql`now()`, attempts: job.attempts + 1 })
    .where("id", "=", job.id)
    .execute();
}

/**
 * A job that sends one email built by another module: an invalid payload fails for good, a mail
 * that is no longer due (null) is skipped, a sending error is retried.
 */
async function runMailJob<P>(trx: Trx, job: Job, schema: z.ZodType<P>, build: (payload: P) => Promise<Mail | null>): Promise<Outcome> {
  const payload = schema.safeParse(job.payload);
  if (!payload.success) {
    await recordFailure(trx, job, new InvalidJob());
    return "failed";
  }
  const mail = await build(payload.data);
  try {
    if (mail) await sendMail(mail);
  } catch (error) {
    await recordFailure(trx, job, error);
    return "failed";
  }
  await markDone(trx, job);
  return mail ? "sent" : "skipped";
}

/** Claims the next due job, sends its email and marks it done, all in one transaction. */
async function runNextJob(): Promise<Outcome | null> {
  let claimed: Job | undefined;
  try {
    return await withSystem(async (trx) => {
      const job = await trx
        .selectFrom("private.jobs")
        .select(["id", "kind", "payload", "attempts"])
        .where("done_at", "is", null)
        .where("run_at", "<=", sql<Date>`now()`)
        .orderBy("run_at")
        .orderBy("id")
        .forUpdate()
        .skipLocked()
        .limit(1)
        .executeTakeFirst();
      if (!job) return null;
      claimed = job;
      // An attorney asked a report's author for more information: the email only says so.
      if (job.kind === "info_requested") return runMailJob(trx, job, InfoRequestedPayload, (p) => infoRequestedMail(trx, p.message_id));
      // "Are you OK?" to an observer who missed a check-in or a check-out (live module).
      if (job.kind === "safety_check") return runMailJob(trx, job, SafetyCheckPayload, (p) => safetyCheckMail(trx, p.alert_id));
      // A coordinator sent observers (dispatch module): the alert by email to one recipient.
      if (job.kind === "dispatch_alert") return runMailJob(trx, job, DispatchAlertPayload, (p) => dispatchAlertMail(trx, p.dispatch_id, p.observer_id));

      const payload = Payload.safeParse(job.payload);
      if (!payload.success) {
        await recordFailure(trx, job, new InvalidJob());
        return "failed";
      }
      const assignment = await loadAssignment(trx, payload.data.assignment_id);
      let outcome: Outcome = "skipped";
      try {
        if (assignment && stillRelevant(job.kind, payload.data, assignment)) {
          await sendMail(await composeMail(job.kind, payload.data, assignment));
          outcome = "sent";
        }
      } catch (error) {
        await recordFailure(trx, job, error);
        return "failed";
      }
      await markDone(trx, job);
      return outcome;
    });
  } catch (error) {
    // The transaction itself failed (a database error while the job was held): count the attempt
    // separately, unless the database is out of reach, in which case the next tick tries again.
    if (!claimed) throw error;
    const job = claimed;
    await withSystem((trx) => recordFailure(trx, job, error));
    return "failed";
  }
}

/** Retention (review module): one instance at a time; a failure is logged and the emails still go. */
async function purgeDueReports() {
  try {
    const { reports, dispatchesCoarsened, filesDeleted, filesFailed } = await runRetentionOnce({ exclusive: true });
    if (reports.length || filesFailed || dispatchesCoarsened) {
      console.log(
        `Retention: ${reports.length} reports purged, ${filesDeleted} files deleted, ${filesFailed} file deletions failed, ${dispatchesCoarsened} dispatch places coarsened`,
      );
    }
  } catch (error) {
    console.error(`Retention: run failed (${errorName(error)})`);
  }
}

/** Adds due reminders, purges what is past retention, then sends due jobs until none is left or `limit` have been handled. */
export async function runJobsOnce(options: { limit?: number } = {}): Promise<JobCounts> {
  const { limit = 100 } = options;
  await withSystem((trx) =>
    sql`select private.enqueue_due_reminders() where pg_try_advisory_xact_lock(hashtext(${ENQUEUE_LOCK}))`.execute(trx),
  );
  await purgeDueReports();
  // Safety alerts first, so their emails go out in this same run.
  try {
    await runLiveChecks();
  } catch (error) {
    console.error(`Live checks: run failed (${errorName(error)})`);
  }
  const counts: JobCounts = { sent: 0, skipped: 0, failed: 0 };
  for (let handled = 0; handled < limit; handled++) {
    const outcome = await runNextJob();
    if (!outcome) break;
    counts[outcome] += 1;
  }
  return counts;
}

/** Runs the jobs every JOBS_INTERVAL_SECONDS (0: never). Returns a function that stops it. */
export function startJobRunner(): () => void {
  const seconds = env().JOBS_INTERVAL_SECONDS;
  if (seconds === 0) return () => {};
  let running = false;
  const tick = async () => {
    // A slow tick (SMTP timing out) must not overlap the next one in the same instance.
    if (running) return;
    running = true;
    try {
      const { sent, skipped, failed } = await runJobsOnce();
      if (sent || skipped || failed) console.log(`Jobs: ${sent} sent, ${skipped} skipped, ${failed} failed`);
    } catch (error) {
      console.error(`Jobs: run failed (${errorName(error)})`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), seconds * 1000);
  // The runner never keeps the process alive on its own.
  timer.unref();
  return () => clearInterval(timer);
}
