import { z } from "zod";
import { sql, withSystem, type Trx } from "~/db/client.server";
import { fallbackLanguage, isLanguage } from "~/i18n/config";
import { translatorFor } from "~/i18n/i18next.server";
import type { Mail } from "~/integrations/mail.server";

/**
 * The audit log's head, emailed to every active attorney once a day when it moved (security
 * review, finding 13): a copy outside the database, in many mailboxes, of what the log said that
 * day. Whoever later rewrites the log from the start cannot change these; `npm run audit:verify --
 * --head <hash>` with any of them shows the rewrite.
 */
export const AuditDigestPayload = z.object({ person_id: z.string().uuid(), seq: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/), day: z.string() });

/** Queues today's digest for each active attorney whose last digest named another head; how many. */
export async function enqueueAuditDigests(now = new Date()): Promise<number> {
  const day = now.toISOString().slice(0, 10);
  const { numAffectedRows } = await withSystem((trx) =>
    sql`
      insert into private.jobs (kind, dedupe_key, payload)
      select 'audit_digest', 'audit-digest:' || ${day} || ':' || p.id,
             jsonb_build_object('person_id', p.id, 'seq', h.seq, 'hash', h.hash, 'day', ${day}::text)
      from public.profiles p
      join public.role_grants g on g.user_id = p.id and g.role = 'attorney'
      cross join private.audit_head h
      where p.deactivated_at is null and h.seq > 0
        and not exists (
          select 1 from private.jobs j
          where j.kind = 'audit_digest' and j.payload ->> 'person_id' = p.id::text and j.payload ->> 'hash' = h.hash)
      on conflict (dedupe_key) do nothing`.execute(trx),
  );
  return Number(numAffectedRows ?? 0);
}

/** The digest email, or null when its attorney is gone. */
export async function auditDigestMail(trx: Trx, payload: z.infer<typeof AuditDigestPayload>): Promise<Mail | null> {
  const row = await trx
    .selectFrom("profiles as p")
    .crossJoin("org_settings as o")
    .select(["p.email", "p.display_name", "p.preferred_language", "p.deactivated_at", "o.name as org_name"])
    .where("p.id", "=", payload.person_id)
    .executeTakeFirst();
  if (!row || row.deactivated_at !== null) return null;
  const language = isLanguage(row.preferred_language) ? row.preferred_language : fallbackLanguage;
  const t = await translatorFor(language);
  const name = row.display_name.trim();
  const hash = payload.hash.match(/.{1,16}/g)!.join(" ");
  const text = [
    name ? t("email.greeting", { name }) : t("email.greetingNoName"),
    t("email.auditDigestBody", { day: payload.day, seq: payload.seq, org: row.org_name }),
    hash,
    t("email.auditDigestHow", { hash: payload.hash }),
  ].join("\n\n");
  return { to: row.email, subject: t("email.auditDigestSubject", { day: payload.day }), text };
}
