import { sql } from "kysely";
import type { SeedStep } from "./step";

/**
 * The demo attorney's sealing key. Its private half is wrapped (scrypt N=2^17, XChaCha20-Poly1305)
 * with the passphrase `testigo demo attorney`, given in the README: demo data only, never in
 * production (the seed refuses to run there).
 */
export const DEMO_ATTORNEY_KEY = {
  publicKey: "nFicV9cqBaZP7jXIvwCXVrTozEM6hUDnW4RzKigOsGA",
  fingerprint: "6235 5fe7 5522 1574 380c d2b4 f9fe 3ab3",
  passphrase: "testigo demo attorney",
  wrapped: {
    v: 1,
    kdf: "scrypt",
    N: 131072,
    r: 8,
    p: 1,
    salt: "uQM3ZMf6H4GPulE9sj0owQ",
    nonce: "v0N2hFCQgVdkX8Bf8I_NAw3PcKj8TYkq",
    ciphertext: "sCEAtwZ9iBCCHuokiApL4x7grxcNhTloPMt73OPmFfuUHoPJHLrpb041FSUcq7wt",
  },
};

/**
 * Registered the way an attorney registers a key (private.register_attorney_key, so the audit log
 * and the attorneys' and admins' inboxes show it like any other), then made long since active
 * through the seed-only path (private.seed_key_long_active: the database owner only, inside a
 * transaction marked as seeding demo data, which seedDemoData refuses to run in production).
 */
export const keys: SeedStep = {
  name: "keys",
  async run(trx) {
    const attorney = await trx.selectFrom("profiles").select("id").where("email", "=", "attorney@example.org").executeTakeFirst();
    if (!attorney) return;
    const existing = await trx.selectFrom("sealing_keys").select("id").where("owner_id", "=", attorney.id).executeTakeFirst();
    if (existing) return;
    const claims = JSON.stringify({ sub: attorney.id, role: "authenticated", email: "attorney@example.org" });
    await sql`select set_config('request.jwt.claims', ${claims}, true), set_config('role', 'authenticated', true)`.execute(trx);
    const { rows } = await sql<{ id: string }>`select private.register_attorney_key(${DEMO_ATTORNEY_KEY.publicKey}, ${JSON.stringify(DEMO_ATTORNEY_KEY.wrapped)}::jsonb) as id`.execute(trx);
    await sql`select set_config('request.jwt.claims', '', true), set_config('role', 'none', true)`.execute(trx);
    await sql`select set_config('testigo.seeding', 'demo', true)`.execute(trx);
    await sql`select private.seed_key_long_active(${rows[0]!.id}::uuid)`.execute(trx);
    await sql`select set_config('testigo.seeding', '', true)`.execute(trx);
  },
};
