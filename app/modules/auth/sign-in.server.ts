import { redirect } from "@remix-run/node";
import type { Language } from "~/i18n/config";
import { languageCookie } from "~/i18n/i18next.server";
import { withSystem } from "~/db/client.server";
import { safeRedirect } from "~/utils/misc";
import { loginEmailCookie } from "./cookies.server";
import { authProvider } from "./provider.server";
import { hitRateLimit, LIMITS, passSlowdown, SLOWDOWNS } from "./rate-limit.server";

export type SignInFailure = "errors.rateLimited" | "errors.slowDown" | "errors.codeInvalid" | "errors.codeAttempts";

/**
 * Step one. Known and unknown emails get the same answer: a redirect to the code page.
 * Returns a failure only when the rate limit is hit, which is also the same for both.
 */
export async function startSignIn(email: string, clientKey: string, language: Language, redirectTo?: string) {
  // Hard limits per client and per (email, client) first: a refused stranger never counts towards
  // the person's own slowdown.
  const [pairLimited, clientLimited] = await Promise.all([
    hitRateLimit(LIMITS.codePerEmailClient, `${email}\n${clientKey}`),
    hitRateLimit(LIMITS.codePerClient, clientKey),
  ]);
  if (pairLimited || clientLimited) return "errors.rateLimited" as const;
  if (!(await passSlowdown(SLOWDOWNS.codePerEmail, email))) return "errors.slowDown" as const;
  await (await authProvider()).requestCode(email, language);
  const params = new URLSearchParams();
  if (redirectTo) params.set("redirectTo", safeRedirect(redirectTo));
  const query = params.size ? `?${params}` : "";
  throw redirect(`/login/verify${query}`, {
    headers: { "Set-Cookie": await loginEmailCookie().serialize(email) },
  });
}

export async function pendingSignInEmail(request: Request): Promise<string | null> {
  const email = await loginEmailCookie().parse(request.headers.get("Cookie"));
  return typeof email === "string" && email ? email : null;
}

/** Step two: on success, redirects with the session cookie set. */
export async function finishSignIn(request: Request, email: string, code: string, clientKey: string, redirectTo?: string) {
  const [clientLimited, pairLimited] = await Promise.all([
    hitRateLimit(LIMITS.verifyPerClient, clientKey),
    hitRateLimit(LIMITS.verifyPerEmailClient, `${email}\n${clientKey}`),
  ]);
  if (clientLimited || pairLimited) return "errors.rateLimited" as const;
  if (!(await passSlowdown(SLOWDOWNS.verifyPerEmail, email))) return "errors.slowDown" as const;
  const headers = new Headers();
  const result = await (await authProvider()).verifyCode(email, code, request, headers);
  if (!result.ok) return result.reason === "attempts" ? ("errors.codeAttempts" as const) : ("errors.codeInvalid" as const);
  const profile = await withSystem((trx) =>
    trx.selectFrom("profiles").select("preferred_language").where("id", "=", result.userId).executeTakeFirst(),
  );
  headers.append("Set-Cookie", await loginEmailCookie().serialize("", { maxAge: 0 }));
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
