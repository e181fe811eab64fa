import { z } from "zod";
import { sql, type Trx } from "~/db/client.server";
import { fallbackLanguage, isLanguage, type Language } from "~/i18n/config";
import { translatorFor } from "~/i18n/i18next.server";
import type { Mail } from "~/integrations/mail.server";
import { formatDay, formatShiftTime, formatTime } from "~/modules/clock/format";
import { env } from "~/utils/env.server";

// The emails shifts cause (reminders, waitlist, assignment, cancellation, a changed time); the
// migrations' functions and private.enqueue_due_reminders() enqueue them, ./jobs.server.ts
// registers them. `shift_time_changed` is the one notice of a shift's new time (one job per person
// and change, from private.move_shift): another channel (push) joins it there. A series edit tells
// each person once instead, listing their shifts (./series-mail.server.ts, ADR 030).

export const SHIFT_MAIL_KINDS = [
  "shift_reminder",
  "waitlist_promoted",
  "shift_assigned",
  "shift_unassigned",
  "shift_cancelled",
  "shift_time_changed",
  "shift_taken_off",
] as const;
export type ShiftMailKind = (typeof SHIFT_MAIL_KINDS)[number];

export const ShiftMailPayload = z.object({
  assignment_id: z.string().uuid(),
  reminder: z.enum(["day_before", "two_hours"]).optional(),
  /** The shift's times the job was made for (reminders, time changes): a later move makes it stale. */
  starts_at: z.string().max(40).optional(),
  ends_at: z.string().max(40).optional(),
  /** Why someone was taken off a moved shift: another shift then (default), or their training. */
  reason: z.enum(["overlap", "training"]).optional(),
});
type Payload = z.infer<typeof ShiftMailPayload>;

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

const sameInstant = (a: string | undefined, b: Date | string) => a === undefined || new Date(a).getTime() === new Date(b).getTime();

/** Whether the email still means something now that it is due. */
function stillRelevant(kind: ShiftMailKind, payload: Payload, a: Assignment) {
  if (a.deactivated_at !== null) return false;
  switch (kind) {
    case "shift_time_changed":
      // Moved again since: that change sends its own notice, with the time that holds.
      if (!sameInstant(payload.starts_at, a.starts_at) || !sameInstant(payload.ends_at, a.ends_at)) return false;
      return (a.status === "claimed" || a.status === "waitlisted" || a.status === "checked_in") && a.cancelled_at === null;
    case "shift_reminder":
      if (a.status !== "claimed" || a.cancelled_at !== null || a.started) return false;
      // Queued for a start the shift no longer has: the reminder for the new start is its own job.
      if (!sameInstant(payload.starts_at, a.starts_at)) return false;
      // A day-before reminder delayed into the last two hours would arrive next to the two-hours one.
      return payload.reminder === "two_hours" || !a.within_two_hours;
    case "waitlist_promoted":
      // A spot can open while the shift is under way; it is still worth telling.
      return a.status === "claimed";
    case "shift_assigned":
      return a.status === "claimed" && a.cancelled_at === null;
    case "shift_cancelled":
    case "shift_unassigned":
    case "shift_taken_off":
      return true;
  }
}

async function composeMail(kind: ShiftMailKind, payload: Payload, a: Assignment): Promise<Mail> {
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
  } else if (kind === "shift_time_changed") {
    subject = t("shiftChange.email.timeChangedSubject", { zone, day });
    body = t("shiftChange.email.timeChangedBody");
  } else if (kind === "shift_taken_off") {
    subject = t("shiftChange.email.takenOffSubject", { zone, day });
    body = t(payload.reason === "training" ? "shiftChange.email.takenOffTrainingBody" : "shiftChange.email.takenOffBody");
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

/** The email for one shift job, or null when it no longer means anything (skipped). */
export async function shiftMail(trx: Trx, kind: ShiftMailKind, payload: Payload): Promise<Mail | null> {
  const assignment = await loadAssignment(trx, payload.assignment_id);
  if (!assignment || !stillRelevant(kind, payload, assignment)) return null;
  return composeMail(kind, payload, assignment);
}
