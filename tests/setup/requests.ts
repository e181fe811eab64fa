import { sql, withSystem } from "../../app/db/client.server";
import { sessionCookie } from "../../app/modules/auth/cookies.server";
import { newSessionToken, sha256 } from "../../app/modules/auth/crypto.server";
import type { Persona } from "./personas";

/** A request as a signed-in person would send it, with a real session cookie; a form body makes it a POST. */
export async function requestAs(persona: Persona | null, path: string, headers: Record<string, string> = {}, form?: Record<string, string>) {
  const all = { ...headers };
  if (persona) {
    const token = newSessionToken();
    await withSystem((trx) =>
      trx
        .insertInto("private.sessions")
        .values({ token_hash: sha256(token), user_id: persona.id, expires_at: sql<Date>`now() + interval '1 hour'` })
        .execute(),
    );
    const session = (await sessionCookie().serialize(token)).split(";")[0]!;
    all.Cookie = all.Cookie ? `${all.Cookie}; ${session}` : session;
  }
  if (!form) return new Request(`http://localhost${path}`, { headers: all });
  return new Request(`http://localhost${path}`, { method: "POST", headers: { ...all, "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() });
}

/** The status of what a loader or action returned or threw. */
export async function statusOf(promise: Promise<unknown>) {
  try {
    const result = await promise;
    return result instanceof Response ? result.status : "not a response";
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}
