import { z } from "zod";
import type { Trx } from "~/db/client.server";
import { fallbackLanguage, isLanguage } from "~/i18n/config";
import { translatorFor } from "~/i18n/i18next.server";
import { groupFingerprint } from "~/integrations/sealing";
import type { Mail } from "~/integrations/mail.server";
import { env } from "~/utils/env.server";

/**
 * A change of whom sealed data goes to (a key registered or replaced, the attorney or admin role
 * given or removed, an attorney or admin deactivated), emailed to every active attorney and admin
 * (security review, finding 1). private.recipient_event() queues one job per person in the same
 * transaction as the change and its audit event, so no change goes unannounced and a change rolled
 * back announces nothing. The email says what changed, who did it, the key's fingerprint and from
 * when it is used, and where to look.
 */
export const RecipientsChangedPayload = z.object({ person_id: z.string().uuid(), seq: z.number().int().positive() });

export async function recipientsChangedMail(trx: Trx, payload: z.infer<typeof RecipientsChangedPayload>): Promise<Mail | null> {
  const person = await trx
    .selectFrom("profiles as p")
    .crossJoin("org_settings as o")
    .select(["p.email", "p.display_name", "p.preferred_language", "p.deactivated_at", "o.name as org_name", "o.time_zone"])
    .where("p.id", "=", payload.person_id)
    .executeTakeFirst();
  const event = await trx.selectFrom("audit_events").select(["seq", "at", "event", "actor_id", "details"]).where("seq", "=", String(payload.seq)).executeTakeFirst();
  // Deactivated attorneys and admins are told too (private.recipient_event queues them for a week):
  // deactivating the others first must not silence the alarm.
  if (!person || !event) return null;
  const details = (event.details ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof details[key] === "string" ? (details[key] as string) : null);
  const ids = [event.actor_id, text("person"), text("owner"), text("granted_by")].filter((id): id is string => !!id);
  const names = new Map(
    ids.length
      ? (await trx.selectFrom("profiles").select(["id", "display_name", "email"]).where("id", "in", ids).execute()).map((p) => [
          p.id,
          p.display_name.trim() ? `${p.display_name.trim()} <${p.email}>` : p.email,
        ])
      : [],
  );
  const language = isLanguage(person.preferred_language) ? person.preferred_language : fallbackLanguage;
  const t = await translatorFor(language);
  const when = (iso: string) =>
    `${new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short", timeZone: person.time_zone }).format(new Date(iso))} (${person.time_zone})`;
  const role = text("role");
  const lines = [
    t(`keys.events.${event.event}`, { role: role ? t(`roles.${role}`) : "" }),
    text("person") ? t("email.recipientsPerson", { person: names.get(text("person")!) ?? "?" }) : null,
    text("owner") ? t("email.recipientsPerson", { person: names.get(text("owner")!) ?? "?" }) : null,
    // who invited someone whose role came with sign-up (the event then has no actor)
    text("granted_by") ? t("email.recipientsGrantedBy", { person: names.get(text("granted_by")!) ?? "?" }) : null,
    text("fingerprint") ? t("email.recipientsFingerprint", { fingerprint: groupFingerprint(text("fingerprint")!) }) : null,
    text("active_from") ? t("email.recipientsActiveFrom", { when: when(text("active_from")!) }) : null,
    t("email.recipientsBy", { when: when(new Date(event.at).toISOString()), by: event.actor_id ? (names.get(event.actor_id) ?? "?") : t("email.recipientsBySystem") }),
  ].filter((l): l is string => !!l);
  const name = person.display_name.trim();
  const textBody = [
    name ? t("email.greeting", { name }) : t("email.greetingNoName"),
    t("email.recipientsBody", { org: person.org_name }),
    lines.join("\n"),
    t("email.recipientsHow", { url: new URL("/review/key", env().APP_URL).href, seq: event.seq }),
  ].join("\n\n");
  return { to: person.email, subject: t("email.recipientsSubject", { org: person.org_name }), text: textBody };
}
