import { z } from "zod";
import type { Trx } from "~/db/client.server";
import { fallbackLanguage, isLanguage } from "~/i18n/config";
import { translatorFor } from "~/i18n/i18next.server";
import type { Mail } from "~/integrations/mail.server";
import { env } from "~/utils/env.server";

// The invitation email (queued by the invitations triggers, migration 20261207050000): who
// invited the person, to which organisation, and where to sign in. The link is the sign-in page
// and nothing else: no token, so a forwarded email lets nobody in (the code goes to the inbox).

export const InvitationPayload = z.object({ invitation_id: z.string().uuid() });

/** The email for one invitation, or null once it means nothing (accepted, or the person deactivated). */
export async function invitationMail(trx: Trx, invitationId: string): Promise<Mail | null> {
  const row = await trx
    .selectFrom("invitations as i")
    .leftJoin("profiles as inviter", "inviter.id", "i.invited_by")
    .leftJoin("profiles as invitee", "invitee.email", "i.email")
    .crossJoin("org_settings as o")
    .select(["i.email", "i.display_name", "i.language", "i.accepted_at", "inviter.display_name as inviter_name", "inviter.email as inviter_email", "invitee.deactivated_at", "o.name as org_name"])
    .where("i.id", "=", invitationId)
    .executeTakeFirst();
  if (!row || row.accepted_at !== null || row.deactivated_at) return null;

  const t = await translatorFor(isLanguage(row.language) ? row.language : fallbackLanguage);
  const inviter = row.inviter_name?.trim() || row.inviter_email || t("observers.mail.someone");
  const url = new URL("/login", env().APP_URL).href;
  const name = row.display_name.trim();
  const text = [
    name ? t("email.greeting", { name }) : t("email.greetingNoName"),
    t("observers.mail.inviteBody", { inviter, org: row.org_name }),
    t("observers.mail.inviteHow", { url, email: row.email }),
    t("observers.mail.inviteFooter", { org: row.org_name }),
  ].join("\n\n");
  return { to: row.email, subject: t("observers.mail.inviteSubject", { org: row.org_name }), text };
}
