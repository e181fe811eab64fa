import { withUser, type Claims } from "~/db/client.server";
import type { Language } from "~/i18n/config";

export async function rememberLanguage(claims: Claims, language: Language) {
  await withUser(claims, (trx) =>
    trx.updateTable("profiles").set({ preferred_language: language }).where("id", "=", claims.sub).execute(),
  );
}
