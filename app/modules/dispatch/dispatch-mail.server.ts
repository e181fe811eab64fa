import { z } from "zod";
import type { Trx } from "~/db/client.server";
import { fallbackLanguage, isLanguage } from "~/i18n/config";
import { translatorFor } from "~/i18n/i18next.server";
import type { Mail } from "~/integrations/mail.server";
import { formatTime } from "~/modules/clock/format";
import type { AskedBy } from "~/modules/dispatch/alerts";
import { env } from "~/utils/env.server";

// The email a dispatch sends each recipient (private.create_dispatch enqueues one job each), in
// their language: who asked (a coordinator, or the hotline to verify a call), the zone, the cross
// streets or the point, the sender's note and the link to answer in the app. Never anything of the report beyond its cross streets and place: no
// narrative, no people, nothing sealed, not who filed it.

export const DispatchAlertPayload = z.object({ dispatch_id: z.string().uuid(), observer_id: z.string().uuid() });

/** The email for one recipient, or null when it no longer needs sending (called off, deactivated). */
export async function dispatchAlertMail(trx: Trx, dispatchId: string, observerId: string): Promise<Mail | null> {
  return (await dispatchAlert(trx, dispatchId, observerId))?.mail ?? null;
}

/** The email and who asked (the push says it too), or null when it no longer needs telling. */
export async function dispatchAlert(trx: Trx, dispatchId: string, observerId: string): Promise<{ mail: Mail; askedBy: AskedBy } | null> {
  const row = await trx
    .selectFrom("dispatch_recipients as r")
    .innerJoin("dispatches as d", "d.id", "r.dispatch_id")
    .innerJoin("profiles as p", "p.id", "r.observer_id")
    .leftJoin("zones as z", "z.id", "d.zone_id")
    .crossJoin("org_settings as o")
    .select([
      "d.created_at", "d.cancelled_at", "d.point", "d.cross_streets", "d.note", "d.asked_by", "z.name as zone_name",
      "p.email", "p.display_name", "p.preferred_language", "p.deactivated_at", "o.time_zone", "o.name as org_name", "o.hotline_number",
    ])
    .where("r.dispatch_id", "=", dispatchId)
    .where("r.observer_id", "=", observerId)
    .executeTakeFirst();
  if (!row || row.deactivated_at !== null || row.cancelled_at !== null) return null;

  const language = isLanguage(row.preferred_language) ? row.preferred_language : fallbackLanguage;
  const t = await translatorFor(language);
  const coordinates = (row.point as { coordinates?: [number, number] } | null)?.coordinates;
  const zone = row.zone_name ?? t("dispatch.noZone");
  const place = row.cross_streets.trim() || (coordinates ? `${coordinates[1]}, ${coordinates[0]}` : zone);
  const name = row.display_name.trim();
  const askedBy: AskedBy = row.asked_by === "hotline" ? "hotline" : "coordinator";
  const text = [
    name ? t("email.greeting", { name }) : t("email.greetingNoName"),
    t(askedBy === "hotline" ? "hotlineDispatch.email.body" : "dispatch.email.body", { zone, time: formatTime(new Date(row.created_at).toISOString(), row.time_zone, language) }),
    [
      t("dispatch.email.place", { place }),
      coordinates && row.cross_streets.trim() ? t("dispatch.email.coordinates", { latitude: coordinates[1], longitude: coordinates[0] }) : null,
      row.note.trim() ? t("dispatch.email.note", { note: row.note.trim() }) : null,
    ]
      .filter((line): line is string => line !== null)
      .join("\n"),
    t("dispatch.email.answer", { url: new URL(`/dispatch/${dispatchId}`, env().APP_URL).href }),
    t("dispatch.email.safety"),
    row.hotline_number.trim() ? t("live.email.hotline", { number: row.hotline_number.trim() }) : null,
    t("dispatch.email.footer", { org: row.org_name }),
  ]
    .filter((line): line is string => line !== null)
    .join("\n\n");
  return { mail: { to: row.email, subject: t("dispatch.email.subject", { zone }), text }, askedBy };
}
