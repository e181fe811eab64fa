import { createCookie } from "@remix-run/node";
import { env, isProduction } from "~/utils/env.server";

export const SESSION_DAYS = 30;

export function sessionCookie() {
  return createCookie(isProduction() ? "__Host-testigo_session" : "testigo_session", {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: isProduction(),
    secrets: [env().SESSION_SECRET],
    maxAge: SESSION_DAYS * 24 * 60 * 60,
  });
}

/**
 * Remembers, between /login and /login/verify, which email is signing in and which code this
 * browser asked for (a PendingSignIn), without putting either in a URL. Signed: a browser cannot
 * name another browser's code.
 */
export function pendingSignInCookie() {
  return createCookie("testigo_login", {
    path: "/login",
    httpOnly: true,
    sameSite: "lax",
    secure: isProduction(),
    secrets: [env().SESSION_SECRET],
    maxAge: 15 * 60,
  });
}
