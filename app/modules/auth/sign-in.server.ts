import { redirect } from "@remix-run/node";
import { z } from "zod";
import type { Language } from "~/i18n/config";
import { languageCookie } from "~/i18n/i18next.server";
import { withSystem } from "~/db/client.server";
import { safeRedirect } from "~/utils/misc";
import { pendingSignInCookie } from "./cookies.server";
import type { PendingSignIn } from "./provider";
import { authProvider } from "./provider.server";
import { admit, SIGN_IN_LIMITS } from "./rate-limit.server";

export type SignInFailure = "errors.rateLimited" | "errors.slowDown" | "errors.codeInvalid" | "errors.codeAttempts";

/** Counts one sign-in step of `email` from `clientKey` under `limits` (rate-limit.server.ts). */
const admitStep = (limits: (typeof SIGN_IN_LIMITS)[keyof typeof SIGN_IN_LIMITS], email: string, clientKey: string) =>
  admit(limits.perEmailClient, `${email}\n${clientKey}`, [
    [limits.perClient, clientKey],
    [limits.perEmail, email],
  ]);

/**
 * Step one. Known and unknown emails get the same answer: a redirect to the code page.
 * Returns a failure only when a limit is hit, which is also the same for both.
 */
export async function startSignIn(email: string, clientKey: string, language: Language, redirectTo?: string) {
  const refusal = await admitStep(SIGN_IN_LIMITS.codes, email, clientKey);
  if (refusal) return refusal;
  const codeId = await (await authProvider()).requestCode(email, language);
  const params = new URLSearchParams();
  if (redirectTo) params.set("redirectTo", safeRedirect(redirectTo));
  const query = params.size ? `?${params}` : "";
  const pending: PendingSignIn = { email, codeId };
  throw redirect(`/login/verify${query}`, {
    headers: { "Set-Cookie": await pendingSignInCookie().serialize(pending) },
  });
}

const PendingSignInSchema = z.object({ email: z.string().min(1), codeId: z.string().uuid().nullable() });

/** The sign-in this browser started, or null (none, expired, or a cookie of an older form). */
export async function pendingSignIn(request: Request): Promise<PendingSignIn | null> {
  const parsed = PendingSignInSchema.safeParse(await pendingSignInCookie().parse(request.headers.get("Cookie")));
  return parsed.success ? parsed.data : null;
}

/** Step two: on success, redirects with the session cookie set. */
export async function finishSignIn(request: Request, pending: PendingSignIn, code: string, clientKey: string, redirectTo?: string) {
  const refusal = await admitStep(SIGN_IN_LIMITS.guesses, pending.email, clientKey);
  if (refusal) return refusal;
  const headers = new Headers();
  const result = await (await authProvider()).verifyCode(pending, code, request, headers);
  if (!result.ok) return result.reason === "attempts" ? ("errors.codeAttempts" as const) : ("errors.codeInvalid" as const);
  const profile = await withSystem((trx) =>
    trx.selectFrom("profiles").select("preferred_language").where("id", "=", result.userId).executeTakeFirst(),
  );
  headers.append("Set-Cookie", await pendingSignInCookie().serialize("", { maxAge: 0 }));
  if (profile && !(await languageCookie.parse(request.headers.get("Cookie")))) {
    headers.append("Set-Cookie", await languageCookie.serialize(profile.preferred_language));
  }
  throw redirect(safeRedirect(redirectTo), { headers });
}

export async function signOut(request: Request) {
  const headers = new Headers();
  await (await authProvider()).signOut(request, headers);
  throw redirect("/login", { headers });
}
