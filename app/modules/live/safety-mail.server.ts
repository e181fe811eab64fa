import { z } from "zod";
import type { Trx } from "~/db/client.server";
import { fallbackLanguage, isLanguage } from "~/i18n/config";
import { translatorFor } from "~/i18n/i18next.server";
import type { Mail } from "~/integrations/mail.server";
import { formatTime } from "~/modules/clock/format";
import { env } from "~/utils/env.server";

// "Are you OK?": the email a safety alert causes (private.detect_live_conditions enqueues it), in
// the observer's language, with the link to answer in the app and the hotline.

export const SafetyCheckPayload = z.object({ alert_id: z.string().uuid() });

/** The email for one alert, or null when it no longer needs asking (answered, checked in or out, deactivated). */
export async function safetyCheckMail(trx: Trx, alertId: string): Promise<Mail | null> {
  const row = await trx
    .selectFrom("safety_alerts as x")
    .innerJoin("shift_assignments as a", "a.id", "x.assignment_id")
    .innerJoin("shifts as s", "s.id", "a.shift_id")
    .innerJoin("zones as z", "z.id", "s.zone_id")
    .innerJoin("profiles as p", "p.id", "x.observer_id")
    .crossJoin("org_settings as o")
    .select([
      "x.kind", "x.observer_ok_at", "a.status", "s.starts_at", "s.ends_at", "z.name as zone_name",
      "p.email", "p.display_name", "p.preferred_language", "p.deactivated_at", "o.time_zone", "o.name as org_name", "o.hotline_number",
    ])
    .where("x.id", "=", alertId)
    .executeTakeFirst();
  if (!row || row.deactivated_at !== null || row.observer_ok_at !== null) return null;
  const missed = row.kind === "missed_check_in";
  // Checked in (or out) since the alert: they answered by doing it.
  if (row.status !== (missed ? "claimed" : "checked_in")) return null;

  const language = isLanguage(row.preferred_language) ? row.preferred_language : fallbackLanguage;
  const t = await translatorFor(language);
  const zone = row.zone_name;
  const time = formatTime(new Date(missed ? row.starts_at : row.ends_at).toISOString(), row.time_zone, language);
  const name = row.display_name.trim();
  const text = [
    name ? t("email.greeting", { name }) : t("email.greetingNoName"),
    t(missed ? "live.email.missedBody" : "live.email.overdueBody", { zone, time }),
    t("live.email.answer", { url: new URL("/my/shifts", env().APP_URL).href }),
    row.hotline_number.trim() ? t("live.email.hotline", { number: row.hotline_number.trim() }) : null,
    t("live.email.footer", { org: row.org_name }),
  ]
    .filter((line): line is string => line !== null)
    .join("\n\n");
  return { to: row.email, subject: t("live.email.subject", { zone }), text };
}
