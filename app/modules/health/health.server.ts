import { queryAsLogin, querySystem } from "~/db/client.server";

/** Both logins must answer: the requests' (pages) and the owner's (sign-in, jobs). */
export async function checkDatabase() {
  const started = performance.now();
  try {
    await Promise.all([queryAsLogin("select 1"), querySystem("select 1")]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch {
    return { ok: false, latencyMs: Math.round(performance.now() - started) };
  }
}
