import { describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { generateKeyPair, toB64u, wrapPrivateKey } from "~/integrations/sealing";
import { createCast, createPersona } from "../../../tests/setup/personas";
import { createTestReport } from "../../../tests/setup/reports";

/** Security review, finding 13: what the database itself refuses. */
describe("crypto hygiene in the database (security review, finding 13)", () => {
  it("a wrapped attorney key below the policy's scrypt strength, or of another shape, is refused", async () => {
    const lawyer = await createPersona(`hygiene_lawyer_${Date.now().toString(36)}`, ["attorney"]);
    const pair = generateKeyPair();
    const good = await wrapPrivateKey(pair.privateKey, "a long enough passphrase", { N: 2 ** 10, r: 8, p: 1 });
    const register = (wrapped: unknown) =>
      withUser(lawyer.claims, (trx) =>
        sql`select private.register_attorney_key(${toB64u(pair.publicKey)}, ${JSON.stringify(wrapped)}::jsonb)`.execute(trx),
      );
    // Production's minimum is 2^17; this test database's template lowers it to 2^10 (tests/setup/global-db.ts).
    const policy = await withSystem((trx) => sql<{ n: number }>`select min_scrypt_n as n from private.sealing_policy`.execute(trx));
    expect(policy.rows[0]!.n).toBe(1024);
    for (const bad of [
      { ...good, N: 512 },
      { ...good, N: 3000 },
      { ...good, N: 2 ** 21 },
      { ...good, r: 1 },
      { ...good, p: 0 },
      { ...good, p: 1.5 },
      { ...good, N: "1024" },
      { ...good, kdf: "pbkdf2" },
      { ...good, salt: "short" },
      { ...good, ciphertext: `${good.ciphertext}AA` },
      { ...good, extra: 1 },
      // A field missing (its place taken by another, to keep 8 keys): found in review, refused since.
      ...(["N", "r", "p"] as const).map((field) => ({ ...Object.fromEntries(Object.entries(good).filter(([k]) => k !== field)), x: 0 })),
      "not an object",
    ]) {
      await expect(register(bad), JSON.stringify(bad)).rejects.toMatchObject({ code: "TS409" });
    }
    await register(good);
    // With the production minimum, the same 2^10 key is refused too.
    await withSystem((trx) => sql`update private.sealing_policy set min_scrypt_n = 131072`.execute(trx));
    try {
      await expect(register(good)).rejects.toMatchObject({ code: "TS409" });
    } finally {
      await withSystem((trx) => sql`update private.sealing_policy set min_scrypt_n = 1024`.execute(trx));
    }
  });

  it("record_report_access takes small details for exports only", async () => {
    const cast = await createCast();
    const author = await createPersona(`hygiene_author_${Date.now().toString(36)}`, ["observer"], { trainingDate: "2026-10-01" });
    const report = await createTestReport(author);
    const record = (event: string, details: unknown) =>
      withUser(cast.attorney_luis.claims, (trx) => sql`select private.record_report_access(${report.id}::uuid, ${event}, ${JSON.stringify(details)}::jsonb)`.execute(trx));
    for (const [event, details] of [
      ["viewed", { note: "anything" }],
      ["unsealed", { why: 1 }],
      ["exported", { blob: "x".repeat(3000) }],
      ["exported", Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`k${i}`, i]))],
      ["exported", { "Not A Key": 1 }],
      ["exported", [1, 2]],
      ["viewed", [1, 2]],
      ["exported", "text"],
    ] as const) {
      await expect(record(event, details), `${event} ${JSON.stringify(details).slice(0, 60)}`).rejects.toMatchObject({ code: "TS400" });
    }
    await record("viewed", {});
    await record("exported", { format: "pdf", content_sha256: "a".repeat(64), pdf_sha256: "b".repeat(64) });
  });
});
