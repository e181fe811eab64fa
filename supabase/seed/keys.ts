import type { SeedStep } from "./step";

/**
 * The demo attorney's sealing key. Its private half is wrapped (scrypt N=2^17, XChaCha20-Poly1305)
 * with the passphrase `testigo demo attorney`, given in the README: demo data only, never in
 * production (the seed refuses to run there).
 */
export const DEMO_ATTORNEY_KEY = {
  publicKey: "nFicV9cqBaZP7jXIvwCXVrTozEM6hUDnW4RzKigOsGA",
  fingerprint: "6235 5fe7 5522 1574",
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

export const keys: SeedStep = {
  name: "keys",
  async run(trx) {
    const attorney = await trx.selectFrom("profiles").select("id").where("email", "=", "attorney@example.org").executeTakeFirst();
    if (!attorney) return;
    const existing = await trx.selectFrom("sealing_keys").select("id").where("owner_id", "=", attorney.id).executeTakeFirst();
    if (existing) return;
    await trx
      .insertInto("sealing_keys")
      .values({
        kind: "attorney",
        owner_id: attorney.id,
        public_key: DEMO_ATTORNEY_KEY.publicKey,
        fingerprint: DEMO_ATTORNEY_KEY.fingerprint,
        wrapped_private_key: JSON.stringify(DEMO_ATTORNEY_KEY.wrapped),
        created_by: attorney.id,
      })
      .execute();
  },
};
