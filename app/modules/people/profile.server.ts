import { type Claims, readAsUser, withUser } from "~/db/client.server";
import type { Language } from "~/i18n/config";
import type { ProfileInput } from "./profile-schema";

export async function rememberLanguage(claims: Claims, language: Language) {
  await withUser(claims, (trx) =>
    trx.updateTable("profiles").set({ preferred_language: language }).where("id", "=", claims.sub).execute(),
  );
}

export function readOwnProfile(claims: Claims) {
  return readAsUser(claims, (trx) =>
    trx
      .selectFrom("profiles")
      .select(["display_name", "phone", "languages", "preferred_language", "training_date"])
      .where("id", "=", claims.sub)
      .executeTakeFirstOrThrow(),
  );
}

export async function updateOwnProfile(claims: Claims, input: ProfileInput) {
  await withUser(claims, (trx) =>
    trx
      .updateTable("profiles")
      .set({
        display_name: input.displayName,
        phone: input.phone,
        languages: input.languages,
        preferred_language: input.preferredLanguage,
      })
      .where("id", "=", claims.sub)
      .execute(),
  );
}
