import { format } from "date-fns";
import { enUS } from "date-fns/locale/en-US";
import { es } from "date-fns/locale/es";
import { z } from "zod";
import type { Trx } from "~/db/client.server";
import { fallbackLanguage, isLanguage } from "~/i18n/config";
import { translatorFor } from "~/i18n/i18next.server";
import type { Mail } from "~/integrations/mail.server";
import { inZone } from "~/modules/clock/in-zone";
import { env } from "~/utils/env.server";

// The email a "request more information" causes (private.request_report_info enqueues it). It
// only says that an attorney asked, about which report (by its date) and where to answer: the
// question and everything about the report stay in the app, behind sign-in.

export const InfoRequestedPayload = z.object({ message_id: z.string().uuid() });

const DATE = { en: { pattern: "MMMM d, yyyy", locale: enUS }, es: { pattern: "d 'de' MMMM 'de' yyyy", locale: es } } as const;

/** The email for one request, or null when there is nobody to tell (or they have read it already). */
export async function infoRequestedMail(trx: Trx, messageId: string): Promise<Mail | null> {
  const row = await trx
    .selectFrom("report_messages as m")
    .innerJoin("reports as r", "r.id", "m.report_id")
    .innerJoin("profiles as p", "p.id", "r.author_id")
    .crossJoin("org_settings as o")
    .select(["m.read_at", "r.id as report_id", "r.occurred_at", "p.email", "p.display_name", "p.preferred_language", "p.deactivated_at", "o.time_zone", "o.name as org_name"])
    .where("m.id", "=", messageId)
    .executeTakeFirst();
  if (!row || row.deactivated_at !== null || row.read_at !== null) return null;

  const language = isLanguage(row.preferred_language) ? row.preferred_language : fallbackLanguage;
  const t = await translatorFor(language);
  const { pattern, locale } = DATE[language];
  const date = format(inZone(row.occurred_at, row.time_zone), pattern, { locale });
  const url = new URL(`/reports/${row.report_id}`, env().APP_URL).href;
  const name = row.display_name.trim();
  const text = [
    name ? t("email.greeting", { name }) : t("email.greetingNoName"),
    t("email.infoRequestedBody", { date }),
    t("email.infoRequestedLink", { url }),
    t("email.infoRequestedFooter", { org: row.org_name }),
  ].join("\n\n");
  return { to: row.email, subject: t("email.infoRequestedSubject"), text };
}
