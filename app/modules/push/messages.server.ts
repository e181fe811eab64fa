import type { Trx } from "~/db/client.server";
import { fallbackLanguage, isLanguage, type Language } from "~/i18n/config";
import { translatorFor } from "~/i18n/i18next.server";
import { dispatchAlert, DispatchAlertPayload } from "~/modules/dispatch/dispatch-mail.server";
import { safetyCheckMail, SafetyCheckPayload } from "~/modules/live/safety-mail.server";
import { SeriesChangedPayload, seriesChangedNotice } from "~/modules/shifts/series-mail.server";
import { shiftMail, ShiftMailPayload } from "~/modules/shifts/shift-mail.server";

// What a notification says: a title and a body in the person's language, the tag of its event and
// the app path to open. Never a name, a place, a note or a time (no P1 or P2 data): the phone's
// lock screen shows it to whoever holds the phone.

export interface PushMessage {
  title: string;
  body: string;
  /** One per event: a repeat of the same event replaces the first on the device. */
  tag: string;
  /** Same-origin path the notification opens. */
  url: string;
  /** A dispatch: where "On my way" / "Can't" post (same origin; the service worker sends the cookie). */
  answer?: { url: string; onMyWay: string; cant: string };
  urgent: boolean;
}

type Translate = Awaited<ReturnType<typeof translatorFor>>;

/**
 * The text for one kind of event, or null when the event no longer needs telling (the same rule as
 * its email: the mail builder returns null then).
 */
type MessageOf = (trx: Trx, eventPayload: unknown, t: Translate) => Promise<Omit<PushMessage, "tag" | "urgent"> | null>;

const messages = new Map<string, MessageOf>();

/** Lets a module give its kind of email a push counterpart (private.notify_person queues both). */
export function registerPushMessage(kind: string, messageOf: MessageOf) {
  if (messages.has(kind)) throw new Error(`Push message registered twice: ${kind}`);
  messages.set(kind, messageOf);
}

registerPushMessage("dispatch_alert", async (trx, raw, t) => {
  const p = DispatchAlertPayload.parse(raw);
  const alert = await dispatchAlert(trx, p.dispatch_id, p.observer_id);
  if (!alert) return null;
  const url = `/dispatch/${p.dispatch_id}`;
  return {
    // Who asked, never where: the lock screen shows it.
    title: alert.askedBy === "hotline" ? t("hotlineDispatch.push.title") : t("push.message.dispatchTitle"),
    body: t("push.message.dispatchBody"),
    url,
    answer: { url: `${url}/answer`, onMyWay: t("push.message.onMyWay"), cant: t("push.message.cant") },
  };
});

registerPushMessage("safety_check", async (trx, raw, t) => {
  const p = SafetyCheckPayload.parse(raw);
  if (!(await safetyCheckMail(trx, p.alert_id))) return null;
  return { title: t("push.message.safetyTitle"), body: t("push.message.safetyBody"), url: "/" };
});

async function shiftUrl(trx: Trx, assignmentId: string) {
  const row = await trx.selectFrom("shift_assignments").select("shift_id").where("id", "=", assignmentId).executeTakeFirst();
  return row ? `/shifts/${row.shift_id}` : "/my/shifts";
}

registerPushMessage("waitlist_promoted", async (trx, raw, t) => {
  const p = ShiftMailPayload.parse(raw);
  if (!(await shiftMail(trx, "waitlist_promoted", p))) return null;
  return { title: t("push.message.promotedTitle"), body: t("push.message.promotedBody"), url: await shiftUrl(trx, p.assignment_id) };
});

registerPushMessage("shift_reminder", async (trx, raw, t) => {
  const p = ShiftMailPayload.parse(raw);
  if (!(await shiftMail(trx, "shift_reminder", p))) return null;
  const twoHours = p.reminder === "two_hours";
  return {
    title: t(twoHours ? "push.message.twoHoursTitle" : "push.message.dayBeforeTitle"),
    body: t(twoHours ? "push.message.twoHoursBody" : "push.message.dayBeforeBody"),
    url: await shiftUrl(trx, p.assignment_id),
  };
});

// A shift that moved under someone (ADR 019): the new time is in the app and the email, not here.
registerPushMessage("shift_time_changed", async (trx, raw, t) => {
  const p = ShiftMailPayload.parse(raw);
  if (!(await shiftMail(trx, "shift_time_changed", p))) return null;
  return { title: t("push.message.timeChangedTitle"), body: t("push.message.timeChangedBody"), url: await shiftUrl(trx, p.assignment_id) };
});

registerPushMessage("shift_taken_off", async (trx, raw, t) => {
  const p = ShiftMailPayload.parse(raw);
  if (!(await shiftMail(trx, "shift_taken_off", p))) return null;
  const body = p.reason === "training" ? t("push.message.takenOffTrainingBody") : t("push.message.takenOffBody");
  return { title: t("push.message.takenOffTitle"), body, url: "/my/shifts" };
});

// A series edit: one notification per person and edit, however many of their shifts it moved (ADR 030).
registerPushMessage("series_changed", async (trx, raw, t) => {
  const notice = await seriesChangedNotice(trx, SeriesChangedPayload.parse(raw));
  if (!notice) return null;
  return { title: t("shiftMoves.push.seriesTitle"), body: t("shiftMoves.push.seriesBody", { count: notice.entries.length }), url: "/my/shifts" };
});

/** Whether a kind of event has a push text; one without is told by email alone. */
export const hasPushMessage = (kind: string) => messages.has(kind);

/** The notification for one event in `language`, or null (no longer due, or a kind with no push). */
export async function pushMessage(
  trx: Trx,
  event: { kind: string; payload: unknown; tag: string; urgent: boolean },
  language: string,
): Promise<PushMessage | null> {
  const messageOf = messages.get(event.kind);
  if (!messageOf) return null;
  const t = await translatorFor((isLanguage(language) ? language : fallbackLanguage) as Language);
  const content = await messageOf(trx, event.payload, t);
  return content ? { ...content, tag: event.tag, urgent: event.urgent } : null;
}
