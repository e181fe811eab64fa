import { z } from "zod";
import type { Trx } from "~/db/client.server";
import { fallbackLanguage, isLanguage } from "~/i18n/config";
import { translatorFor } from "~/i18n/i18next.server";
import type { Mail } from "~/integrations/mail.server";
import { formatShiftTime } from "~/modules/clock/format";
import { env } from "~/utils/env.server";

// The one notice a person gets when a coordinator edits a weekly series they are on (migration
// 20261208120000_series_notice_checked_in.sql, ADR 030): private.edit_shift_series queues a job
// 'series_changed' per person and edit, with push (app/modules/push/messages.server.ts), listing
// each of their shifts that moved (new and old times) and those they were taken off.

const Instant = z.string().max(40);
export const SeriesChangedPayload = z.object({
  series_id: z.string().uuid(),
  observer_id: z.string().uuid(),
  shifts: z
    .array(
      z.object({
        assignment_id: z.string().uuid(),
        outcome: z.enum(["moved", "taken_off", "taken_off_training"]),
        starts_at: Instant,
        ends_at: Instant,
        was_starts_at: Instant,
        was_ends_at: Instant,
      }),
    )
    .min(1)
    .max(1000),
});
export type SeriesChanged = z.infer<typeof SeriesChangedPayload>;
type Entry = SeriesChanged["shifts"][number];

const sameInstant = (a: string, b: Date | string) => new Date(a).getTime() === new Date(b).getTime();

/** The recipient, and the entries that still mean something now the job is due (null: nothing left to tell, or the person is gone). */
export async function seriesChangedNotice(trx: Trx, payload: SeriesChanged) {
  const person = await trx
    .selectFrom("profiles as p")
    .crossJoin("org_settings as o")
    .select(["p.email", "p.display_name", "p.preferred_language", "p.deactivated_at", "o.time_zone", "o.name as org_name"])
    .where("p.id", "=", payload.observer_id)
    .executeTakeFirst();
  if (!person || person.deactivated_at !== null) return null;
  const rows = await trx
    .selectFrom("shift_assignments as a")
    .innerJoin("shifts as s", "s.id", "a.shift_id")
    .innerJoin("zones as z", "z.id", "s.zone_id")
    .select(["a.id", "a.status", "s.starts_at", "s.ends_at", "s.cancelled_at", "z.name as zone"])
    .where("a.id", "in", payload.shifts.map((s) => s.assignment_id))
    .where("a.observer_id", "=", payload.observer_id)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const entries = payload.shifts.flatMap((entry) => {
    const row = byId.get(entry.assignment_id);
    if (!row) return [];
    if (entry.outcome !== "moved") return [{ entry, zone: row.zone }];
    // Moved again (or cancelled, or left) since: that change tells them on its own.
    const still = (row.status === "claimed" || row.status === "waitlisted" || row.status === "checked_in") && row.cancelled_at === null;
    return still && sameInstant(entry.starts_at, row.starts_at) && sameInstant(entry.ends_at, row.ends_at) ? [{ entry, zone: row.zone }] : [];
  });
  return entries.length ? { person, entries } : null;
}

/** The one email of a series edit, in the person's language and the organisation's time zone. */
export async function seriesChangedMail(trx: Trx, payload: SeriesChanged): Promise<Mail | null> {
  const notice = await seriesChangedNotice(trx, payload);
  if (!notice) return null;
  const { person, entries } = notice;
  const language = isLanguage(person.preferred_language) ? person.preferred_language : fallbackLanguage;
  const t = await translatorFor(language);
  const when = (start: string, end: string) => formatShiftTime(new Date(start).toISOString(), new Date(end).toISOString(), person.time_zone, language);
  const line = ({ entry, zone }: { entry: Entry; zone: string }) =>
    entry.outcome === "moved"
      ? `• ${t("shiftMoves.email.movedLine", { when: when(entry.starts_at, entry.ends_at), zone, was: when(entry.was_starts_at, entry.was_ends_at) })}`
      : `• ${t("shiftMoves.email.takenOffLine", { when: when(entry.was_starts_at, entry.was_ends_at), zone })}`;
  const moved = entries.filter((e) => e.entry.outcome === "moved");
  const off = entries.filter((e) => e.entry.outcome !== "moved");
  const reasons = [...new Set(off.map((e) => e.entry.outcome))].map((o) =>
    t(o === "taken_off_training" ? "shiftMoves.email.takenOffTraining" : "shiftMoves.email.takenOffOverlap"),
  );
  const name = person.display_name.trim();
  const text = [
    name ? t("email.greeting", { name }) : t("email.greetingNoName"),
    t("shiftMoves.email.seriesBody"),
    moved.length ? [t("shiftMoves.email.movedTitle"), ...moved.map(line)].join("\n") : null,
    off.length ? [t("shiftMoves.email.takenOffTitle"), ...off.map(line), ...reasons].join("\n") : null,
    t("shiftMoves.email.link", { url: new URL("/my/shifts", env().APP_URL).href }),
    t("email.footer", { org: person.org_name }),
  ]
    .filter((part): part is string => part !== null)
    .join("\n\n");
  return { to: person.email, subject: t("shiftMoves.email.seriesSubject", { count: entries.length }), text };
}
