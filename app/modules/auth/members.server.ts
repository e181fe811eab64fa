import { withSystem } from "~/db/client.server";

/** The active (not deactivated) member with this email, and the language their emails are written in. */
export function activeMemberByEmail(email: string) {
  return withSystem((trx) =>
    trx
      .selectFrom("profiles")
      .select(["id", "preferred_language"])
      .where("email", "=", email)
      .where("deactivated_at", "is", null)
      .executeTakeFirst(),
  );
}
