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

/** Remembers which email is signing in between /login and /login/verify, without putting it in a URL. */
export function loginEmailCookie() {
  return createCookie("testigo_login", {
    path: "/login",
    httpOnly: true,
    sameSite: "lax",
    secure: isProduction(),
    secrets: [env().SESSION_SECRET],
    maxAge: 15 * 60,
  });
}
