import { createServerClient, parseCookieHeader, serializeCookieHeader } from "@supabase/ssr";
import { createClient } from "@supabase/supabase-js";
import WebSocket from "ws";
import { withSystem, type Claims } from "~/db/client.server";
import { isLanguage } from "~/i18n/config";
import { env, isProduction } from "~/utils/env.server";
import { activeMemberByEmail } from "./members.server";
import type { AuthProvider } from "./provider";

/** Accounts created at once while importing volunteers. */
const CREATE_USERS_CONCURRENCY = 8;

/**
 * Supabase Auth: codes are emailed by Supabase (its email template must contain {{ .Token }}),
 * sessions are Supabase's cookies, and identity comes from verified JWT claims (getClaims).
 */
export function createSupabaseProvider(): AuthProvider {
  const { SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY } = env();
  const url = SUPABASE_URL!;
  const realtime = { transport: WebSocket as unknown as never };

  function serverClient(request: Request, headers: Headers) {
    return createServerClient(url, SUPABASE_ANON_KEY!, {
      realtime,
      cookies: {
        getAll: () =>
          parseCookieHeader(request.headers.get("Cookie") ?? "").map((c) => ({ name: c.name, value: c.value ?? "" })),
        setAll: (cookies) => {
          for (const { name, value, options } of cookies) {
            headers.append(
              "Set-Cookie",
              serializeCookieHeader(name, value, { ...options, httpOnly: true, sameSite: "lax", secure: isProduction(), path: "/" }),
            );
          }
        },
      },
    });
  }

  const admin = createClient(url, SUPABASE_SERVICE_ROLE_KEY!, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime,
  });


  return {
    name: "supabase",

    // Supabase keeps one code per email: a later request, whoever makes it, replaces it (at most
    // once per its "minimum interval per user", 60 s by default). The newest email always works.
    async requestCode(email, language) {
      const member = await activeMemberByEmail(email);
      if (!member) return null;
      // Supabase writes the email from its "Magic Link" template (supabase/templates/magic_link.html),
      // which picks its language from user_metadata.language: the profile's, else the sign-in page's.
      // Set before each request, so a language changed in Testigo reaches the next code at once.
      const wanted = isLanguage(member.preferred_language) ? member.preferred_language : language;
      const { error: metadataError } = await admin.auth.admin.updateUserById(member.id, { user_metadata: { language: wanted } });
      // Not fatal: the template's fallback is English, and the person still gets their code.
      if (metadataError) console.warn(`sign-in code language not set on Supabase (${metadataError.code ?? metadataError.status})`);
      // shouldCreateUser: false keeps sign-in invitation-only on Supabase's side too.
      const { error } = await serverClient(new Request(url), new Headers()).auth.signInWithOtp({
        email,
        options: { shouldCreateUser: false },
      });
      // Refusals (unknown to Supabase, its own rate limit) look exactly like an unknown email to the visitor.
      if (error && error.status !== 400 && error.status !== 422 && error.status !== 429) throw error;
      return null;
    },

    async verifyCode({ email }, code, request, headers) {
      // Supabase's cookies land here first and reach `headers` only on success.
      const pending = new Headers();
      const { data, error } = await serverClient(request, pending).auth.verifyOtp({ email, token: code, type: "email" });
      if (error || !data.user) {
        return { ok: false, reason: error?.status === 429 ? "attempts" : "invalid" };
      }
      if (!(await activeMemberByEmail(email))) return { ok: false, reason: "invalid" };
      await withSystem((trx) =>
        trx.updateTable("invitations").set({ accepted_at: new Date() }).where("email", "=", email).where("accepted_at", "is", null).execute(),
      );
      for (const cookie of pending.getSetCookie()) headers.append("Set-Cookie", cookie);
      return { ok: true, userId: data.user.id };
    },

    async identify(request, headers) {
      try {
        const { data, error } = await serverClient(request, headers).auth.getClaims();
        if (error || !data?.claims?.sub) return null;
        return { kind: "jwt", claims: { ...(data.claims as unknown as Claims), role: "authenticated" } };
      } catch {
        // auth-js throws, rather than returning an error, on a tampered cookie (a JWT part that is not
        // JSON, an alg other than RS256/ES256): that is a visitor without a session, not a server error.
        return null;
      }
    },

    async getClaims(request, headers) {
      const identity = await this.identify(request, headers);
      if (identity?.kind !== "jwt") return null;
      const claims = identity.claims;
      // Deactivation must take effect at once, even while a JWT is still valid.
      const active = await withSystem((trx) =>
        trx.selectFrom("profiles").select("id").where("id", "=", claims.sub).where("deactivated_at", "is", null).executeTakeFirst(),
      );
      return active ? { ...claims, role: "authenticated" } : null;
    },

    async signOut(request, headers) {
      await serverClient(request, headers).auth.signOut({ scope: "local" });
    },

    async createUser(email) {
      const { data, error } = await admin.auth.admin.createUser({ email, email_confirm: true });
      if (error || !data.user) throw error ?? new Error("Supabase did not create the user");
      return data.user.id;
    },

    async createUsers(emails) {
      // The Auth API makes one account per call: a few at a time, so a thousand-row import
      // neither takes minutes nor floods the Auth server.
      for (let start = 0; start < emails.length; start += CREATE_USERS_CONCURRENCY) {
        await Promise.all(
          emails.slice(start, start + CREATE_USERS_CONCURRENCY).map(async (email) => {
            const { error } = await admin.auth.admin.createUser({ email, email_confirm: true });
            if (error && error.code !== "email_exists") throw error;
          }),
        );
      }
    },

    async revokeSessions(userId) {
      // A ban revokes the refresh tokens; the profile check in getClaims covers live access tokens.
      const { error } = await admin.auth.admin.updateUserById(userId, { ban_duration: "876000h" });
      if (error) throw error;
    },

    async restoreAccess(userId) {
      const { error } = await admin.auth.admin.updateUserById(userId, { ban_duration: "none" });
      if (error) throw error;
    },
  };
}
