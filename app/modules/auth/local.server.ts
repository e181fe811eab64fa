import { sql, withSystem } from "~/db/client.server";
import { deliverMail } from "~/integrations/mail.server";
import { isLanguage } from "~/i18n/config";
import { translatorFor } from "~/i18n/i18next.server";
import { hashLoginCode, newLoginCode, newSessionToken, sameHash, sha256 } from "./crypto.server";
import { SESSION_DAYS, sessionCookie } from "./cookies.server";
import { activeMemberByEmail } from "./members.server";
import type { AuthProvider } from "./provider";

export const CODE_TTL_MINUTES = 10;
export const MAX_CODE_ATTEMPTS = 5;

export function createLocalProvider(): AuthProvider {
  return {
    name: "local",

    async requestCode(email, language) {
      const member = await activeMemberByEmail(email);
      const userId = member?.id ?? null;
      const code = newLoginCode();
      // An unknown email gets a code row too, one no code can match, so that it counts attempts and
      // answers "too many tries" exactly like a member's: the code page reveals nothing.
      const codeHash = userId ? hashLoginCode(email, code) : hashLoginCode(email, newSessionToken());
      // Earlier codes stay live: each is tried only from the browser that asked for it, so a
      // stranger asking for this email neither cancels nor uses up the person's own code.
      const codeId = await withSystem(async (trx) => {
        // Sign-in history is not kept: spent codes and dead sessions go after a day.
        await trx.deleteFrom("private.login_codes").where("created_at", "<", sql<Date>`now() - interval '1 day'`).execute();
        await trx
          .deleteFrom("private.sessions")
          .where((eb) =>
            eb.or([eb("expires_at", "<", sql<Date>`now()`), eb("revoked_at", "<", sql<Date>`now() - interval '1 day'`)]),
          )
          .execute();
        const row = await trx
          .insertInto("private.login_codes")
          .values({ email, code_hash: codeHash, expires_at: sql`now() + make_interval(mins => ${CODE_TTL_MINUTES})` })
          .returning("id")
          .executeTakeFirstOrThrow();
        return row.id;
      });
      if (!userId) return codeId;
      // In the language the person chose (their profile, which an invitation sets), else the sign-in page's.
      const t = await translatorFor(member && isLanguage(member.preferred_language) ? member.preferred_language : language);
      // Delivery does not hold up the answer, so a member's request takes as long as a stranger's.
      deliverMail({ to: email, subject: t("email.codeSubject", { code }), text: t("email.codeBody", { code }) });
      return codeId;
    },

    async verifyCode({ email, codeId }, code, _request, headers) {
      if (!codeId) return { ok: false, reason: "invalid" };
      const result = await withSystem(async (trx) => {
        const row = await trx
          .selectFrom("private.login_codes")
          .select(["id", "code_hash", "attempts", sql<boolean>`expires_at < now()`.as("expired")])
          .where("id", "=", codeId)
          .where("email", "=", email)
          .where("consumed_at", "is", null)
          .forUpdate()
          .executeTakeFirst();
        if (!row || row.expired) return { ok: false as const, reason: "invalid" as const };
        if (row.attempts >= MAX_CODE_ATTEMPTS) return { ok: false as const, reason: "attempts" as const };
        if (!sameHash(row.code_hash, hashLoginCode(email, code))) {
          await trx.updateTable("private.login_codes").set({ attempts: row.attempts + 1 }).where("id", "=", row.id).execute();
          return { ok: false as const, reason: row.attempts + 1 >= MAX_CODE_ATTEMPTS ? ("attempts" as const) : ("invalid" as const) };
        }
        await trx.updateTable("private.login_codes").set({ consumed_at: sql`now()` }).where("id", "=", row.id).execute();
        const user = await trx
          .selectFrom("profiles")
          .select("id")
          .where("email", "=", email)
          .where("deactivated_at", "is", null)
          .executeTakeFirst();
        if (!user) return { ok: false as const, reason: "invalid" as const };
        const token = newSessionToken();
        await trx
          .insertInto("private.sessions")
          .values({
            token_hash: sha256(token),
            user_id: user.id,
            expires_at: sql`now() + make_interval(days => ${SESSION_DAYS})`,
          })
          .execute();
        await trx.updateTable("auth.users").set({ last_sign_in_at: sql`now()` }).where("id", "=", user.id).execute();
        await trx
          .updateTable("invitations")
          .set({ accepted_at: sql`now()` })
          .where("email", "=", email)
          .where("accepted_at", "is", null)
          .execute();
        return { ok: true as const, userId: user.id, token };
      });
      if (!result.ok) return result;
      headers.append("Set-Cookie", await sessionCookie().serialize(result.token));
      return { ok: true, userId: result.userId };
    },

    async identify(request) {
      const token = await sessionCookie().parse(request.headers.get("Cookie"));
      return typeof token === "string" && token ? { kind: "session", tokenHash: sha256(token) } : null;
    },

    async getClaims(request) {
      const token = await sessionCookie().parse(request.headers.get("Cookie"));
      if (typeof token !== "string" || !token) return null;
      const row = await withSystem((trx) =>
        trx
          .selectFrom("private.sessions as s")
          .innerJoin("profiles as p", "p.id", "s.user_id")
          .select(["p.id", "p.email"])
          .where("s.token_hash", "=", sha256(token))
          .where("s.revoked_at", "is", null)
          .where("s.expires_at", ">", sql<Date>`now()`)
          .where("p.deactivated_at", "is", null)
          .executeTakeFirst(),
      );
      return row ? { sub: row.id, email: row.email, role: "authenticated" } : null;
    },

    async signOut(request, headers) {
      const token = await sessionCookie().parse(request.headers.get("Cookie"));
      if (typeof token === "string" && token) {
        await withSystem((trx) =>
          trx
            .updateTable("private.sessions")
            .set({ revoked_at: sql`now()` })
            .where("token_hash", "=", sha256(token))
            .execute(),
        );
      }
      headers.append("Set-Cookie", await sessionCookie().serialize("", { maxAge: 0 }));
    },

    async createUser(email) {
      const row = await withSystem((trx) =>
        trx
          .insertInto("auth.users")
          .values({ email, email_confirmed_at: sql`now()` })
          .returning("id")
          .executeTakeFirstOrThrow(),
      );
      return row.id;
    },

    async createUsers(emails) {
      if (!emails.length) return;
      // One statement for the whole batch; the profile trigger runs for each new row.
      await withSystem((trx) =>
        sql`insert into auth.users (email, email_confirmed_at) select e, now() from unnest(${emails}::text[]) as e on conflict (email) do nothing`.execute(trx),
      );
    },

    async revokeSessions(userId) {
      await withSystem((trx) =>
        trx
          .updateTable("private.sessions")
          .set({ revoked_at: sql`now()` })
          .where("user_id", "=", userId)
          .where("revoked_at", "is", null)
          .execute(),
      );
    },

    // Local sign-in only checks the profile, which reactivation already restored.
    async restoreAccess() {},
  };
}
