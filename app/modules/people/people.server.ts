import { type Claims, readAsUser, sql, withUser } from "~/db/client.server";
import { DomainError, domainErrorFrom, sqlState } from "~/db/errors.server";
import type { AppRole } from "~/db/types";
import { authProvider } from "~/modules/auth/provider.server";

export interface PersonRow {
  id: string;
  email: string;
  displayName: string;
  trainingDate: string | null;
  deactivated: boolean;
  roles: AppRole[];
  signedInOnce: boolean;
  zoneIds: string[];
  /** The invitation still waiting for them (never signed in), and when its email last went. */
  pendingInvitation: { id: string; lastSentAt: string | null } | null;
}

const isPermissionDenied = (error: unknown) => sqlState(error) === "42501";
const notFound = () => new Response("Not found", { status: 404 });

export function listPeople(claims: Claims): Promise<PersonRow[]> {
  return readAsUser(claims, async (trx) => {
    const rows = await trx
      .selectFrom("profiles as p")
      .select([
        "p.id",
        "p.email",
        "p.display_name",
        "p.training_date",
        "p.deactivated_at",
        sql<string[]>`coalesce((select array_agg(g.role::text order by g.role) from public.role_grants g where g.user_id = p.id), '{}')`.as(
          "roles",
        ),
        sql<boolean>`exists (select 1 from public.invitations i where i.email = p.email and i.accepted_at is not null)`.as("signed_in_once"),
        sql<string[]>`coalesce((select array_agg(a.zone_id::text) from public.zone_assignments a where a.observer_id = p.id), '{}')`.as("zone_ids"),
        pendingInvitationSql.as("pending_invitation"),
      ])
      .orderBy("p.deactivated_at", (ob) => ob.desc().nullsFirst())
      .orderBy("p.display_name")
      .execute();
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      displayName: r.display_name,
      trainingDate: r.training_date,
      deactivated: r.deactivated_at !== null,
      roles: r.roles as AppRole[],
      signedInOnce: r.signed_in_once,
      zoneIds: r.zone_ids,
      pendingInvitation: r.pending_invitation,
    }));
  });
}

/** The latest invitation of profile `p` while nobody has accepted one: what "Send again" re-sends. */
export const pendingInvitationSql = sql<{ id: string; lastSentAt: string | null } | null>`(
  select jsonb_build_object('id', i.id, 'lastSentAt', i.last_sent_at)
  from public.invitations i
  where i.email = p.email
    and not exists (select 1 from public.invitations done where done.email = p.email and done.accepted_at is not null)
  order by i.created_at desc
  limit 1)`;

export interface InviteInput {
  email: string;
  displayName: string;
  roles: AppRole[];
  /** The invitation email's language; the organisation's default_language when absent. */
  language?: "en" | "es";
}

/**
 * Records the invitation (its email is queued in the same transaction by a trigger) and then makes
 * the account, whose profile the trigger fills from the invitation.
 */
export async function invitePerson(claims: Claims, input: InviteInput) {
  await withUser(claims, async (trx) => {
    const existing = await trx.selectFrom("profiles").select("id").where("email", "=", input.email).executeTakeFirst();
    if (existing) throw new DomainError(400, "errors.alreadyMember", "email");
    try {
      await trx
        .insertInto("invitations")
        .values({
          email: input.email,
          display_name: input.displayName,
          language: input.language ?? sql<string>`(select o.default_language from public.org_settings o)`,
          roles: sql`${`{${input.roles.join(",")}}`}::public.app_role[]`,
          invited_by: claims.sub,
        })
        .execute();
    } catch (error) {
      if (isPermissionDenied(error)) throw new DomainError(400, "errors.forbiddenRoles", "roles");
      throw error;
    }
  });
  // The invitation is committed and RLS allowed it; now the account exists and the trigger grants its roles.
  const provider = await authProvider();
  try {
    return await provider.createUser(input.email);
  } catch (error) {
    // Someone else invited the same person a moment ago (local: unique email; Supabase: email_exists).
    if (sqlState(error) === "23505" || sqlState(error) === "email_exists") throw new DomainError(400, "errors.alreadyMember", "email");
    throw error;
  }
}

/**
 * "Send again": a new email job for the invitation (private.resend_invitation checks who may).
 * The account is made again if making it failed the first time.
 */
export async function resendInvitation(claims: Claims, invitationId: string) {
  const email = await withUser(claims, async (trx) => {
    try {
      await sql`select private.resend_invitation(${invitationId}::uuid)`.execute(trx);
    } catch (error) {
      throw domainErrorFrom(error) ?? error;
    }
    const row = await trx.selectFrom("invitations").select("email").where("id", "=", invitationId).executeTakeFirstOrThrow();
    return row.email;
  });
  await (await authProvider()).createUsers([email]);
  return email;
}

export async function setRoles(claims: Claims, userId: string, roles: AppRole[]) {
  if (userId === claims.sub && !roles.includes("admin")) throw new DomainError(400, "errors.ownAdmin", "roles");
  await withUser(claims, async (trx) => {
    const person = await trx.selectFrom("profiles").select("id").where("id", "=", userId).executeTakeFirst();
    if (!person) throw notFound();
    await trx.deleteFrom("role_grants").where("user_id", "=", userId).where("role", "not in", roles).execute();
    await trx
      .insertInto("role_grants")
      .values(roles.map((role) => ({ user_id: userId, role, granted_by: claims.sub })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  });
}

/** Deactivation ends every session of that person at once. */
export async function setActive(claims: Claims, userId: string, active: boolean) {
  if (userId === claims.sub) throw new DomainError(400, "errors.ownAdmin", "userId");
  const updated = await withUser(claims, (trx) =>
    trx
      .updateTable("profiles")
      .set({ deactivated_at: active ? null : sql`now()` })
      .where("id", "=", userId)
      .returning(["id", "display_name"])
      .executeTakeFirst(),
  );
  if (!updated) throw notFound();
  const provider = await authProvider();
  if (active) await provider.restoreAccess(userId);
  else await provider.revokeSessions(userId);
  return updated.display_name;
}

export async function setTrainingDate(claims: Claims, userId: string, trainingDate: string | null) {
  const updated = await withUser(claims, (trx) =>
    trx.updateTable("profiles").set({ training_date: trainingDate }).where("id", "=", userId).returning("id").executeTakeFirst(),
  );
  if (!updated) throw notFound();
}
