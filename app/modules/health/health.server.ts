import { sql, withSystem } from "~/db/client.server";

export async function checkDatabase() {
  const started = performance.now();
  try {
    await withSystem((trx) => sql`select 1`.execute(trx));
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch {
    return { ok: false, latencyMs: Math.round(performance.now() - started) };
  }
}
