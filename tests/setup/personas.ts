import { sql, withSystem, type Claims } from "../../app/db/client.server";
import type { AppRole } from "../../app/db/types";

export interface Persona {
  id: string;
  email: string;
  claims: Claims;
}

/** Creates a person the way an invitation does: invitation row, then the auth user (trigger grants roles). */
export async function createPersona(handle: string, roles: AppRole[], options: { trainingDate?: string } = {}): Promise<Persona> {
  const email = `${handle}@test.example`;
  const id = await withSystem(async (trx) => {
    await trx
      .insertInto("invitations")
      .values({ email, display_name: handle, roles: sql`${`{${roles.join(",")}}`}::public.app_role[]` })
      .execute();
    const user = await trx.insertInto("auth.users").values({ email }).returning("id").executeTakeFirstOrThrow();
    // A persona stands for someone who joined long ago: no invitation email waits for them
    // (app/modules/people/invitations.test.ts tests that email).
    await trx.deleteFrom("private.jobs").where("kind", "=", "invitation").where(sql<boolean>`payload ->> 'invitation_id' in (select i.id::text from public.invitations i where i.email = ${email})`).execute();
    if (options.trainingDate) {
      await trx.updateTable("profiles").set({ training_date: options.trainingDate }).where("id", "=", user.id).execute();
    }
    return user.id;
  });
  return { id, email, claims: { sub: id, email, role: "authenticated" } };
}

export async function createCast() {
  return {
    admin_alma: await createPersona("admin_alma", ["admin"]),
    coordinator_carmen: await createPersona("coordinator_carmen", ["coordinator"]),
    observer_ana: await createPersona("observer_ana", ["observer"], { trainingDate: "2026-01-15" }),
    observer_oscar: await createPersona("observer_oscar", ["observer"]),
    attorney_luis: await createPersona("attorney_luis", ["attorney"]),
  };
}
