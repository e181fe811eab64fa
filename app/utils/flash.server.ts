import { createCookieSessionStorage, redirect } from "@remix-run/node";
import { randomUUID } from "node:crypto";
import { env, isProduction } from "~/utils/env.server";
import type { Flash } from "./flash";

// Epic Stack's toast.server.ts, for this app: one channel for "what just happened" after a
// redirect, instead of ?created=, ?sent= and ?media= in the address (which a reload or a shared
// link would repeat). Signed, so only the server says what a page announces.

function flashStorage() {
  return createCookieSessionStorage({
    cookie: {
      name: isProduction() ? "__Host-testigo_flash" : "testigo_flash",
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: isProduction(),
      secrets: [env().SESSION_SECRET],
    },
  });
}

const KEY = /^[A-Za-z][\w.]*$/;

function isFlash(value: unknown): value is Flash {
  if (typeof value !== "object" || value === null) return false;
  const { id, key, values, tone } = value as Partial<Flash>;
  return (
    typeof id === "string" &&
    typeof key === "string" &&
    KEY.test(key) &&
    (tone === "ok" || tone === "error") &&
    (values === undefined || (typeof values === "object" && values !== null && Object.values(values).every((v) => typeof v === "string" || typeof v === "number")))
  );
}

/** The Set-Cookie header that carries `flash` to the next page. */
export async function flashCookie(flash: Omit<Flash, "id" | "tone"> & { tone?: Flash["tone"] }) {
  const storage = flashStorage();
  const session = await storage.getSession();
  session.set("flash", { id: randomUUID(), tone: "ok", ...flash } satisfies Flash);
  return storage.commitSession(session);
}

/** A redirect that tells the page it lands on what the action did. */
export async function redirectWithFlash(url: string, flash: Parameters<typeof flashCookie>[0], init: number | ResponseInit = 302) {
  const responseInit = typeof init === "number" ? { status: init } : init;
  const headers = new Headers(responseInit.headers);
  headers.append("Set-Cookie", await flashCookie(flash));
  return redirect(url, { ...responseInit, headers });
}

/** The root loader's read of the flash: returns it once and clears the cookie (on `headers`). No database. */
export async function readFlash(request: Request, headers: Headers): Promise<Flash | null> {
  const cookie = request.headers.get("Cookie");
  if (!cookie?.includes("testigo_flash=")) return null;
  const storage = flashStorage();
  const session = await storage.getSession(cookie);
  const flash: unknown = session.get("flash");
  headers.append("Set-Cookie", await storage.destroySession(session));
  return isFlash(flash) ? flash : null;
}
