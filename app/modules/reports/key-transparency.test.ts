import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { generateKeyPair, publicKeyFingerprint, toB64u, wrapPrivateKey } from "~/integrations/sealing";
import { sendMail } from "~/integrations/mail.server";
import { runJobsOnce } from "~/jobs/jobs.server";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { approveRecoveryKey, keyOverview, myWrappedKeys, recipientEvents, registerAttorneyKey, registerRecoveryKey, withdrawAttorneyKey, withdrawRecoveryKey } from "./keys.server";
import { sealingRecipients } from "./reports.server";
import { recipientChanges, rememberedRecipients } from "./recipient-changes";
import { activeRecipients, rememberRecipients, type BrowserRecipient } from "./recipients";

// Security review, finding 1: an admin could silently take over future sealed data. Now the
// database computes fingerprints, a new key waits before it is a recipient, a replaced recovery key
// needs a second admin, and every change of the recipient set is audited and emailed.

vi.mock("~/integrations/mail.server", async (importOriginal) => {
  const actual = await importOriginal<typeof import("~/integrations/mail.server")>();
  return { ...actual, sendMail: vi.fn(actual.sendMail) };
});

let cast: Awaited<ReturnType<typeof createCast>>;
const PARAMS = { N: 2 ** 10, r: 8, p: 1 };

async function newAttorneyKey(persona: Persona) {
  const pair = generateKeyPair();
  const wrapped = JSON.stringify(await wrapPrivateKey(pair.privateKey, "a long enough passphrase", PARAMS));
  return { pair, registered: await registerAttorneyKey(persona.claims, toB64u(pair.publicKey), wrapped) };
}
const recipientKeys = async (persona: Persona = cast.observer_ana) => (await sealingRecipients(persona.claims)).map((r) => r.publicKey);
const setWait = (interval: string) => withSystem((trx) => sql`update private.sealing_policy set key_wait = ${interval}::interval`.execute(trx));
/** As if the waiting period of `id` were over: it becomes a recipient, and the key it replaces stops being one. */
const elapse = (id: string) =>
  withSystem(async (trx) => {
    await sql`update public.sealing_keys set revoked_at = now() - interval '1 second'
      where id <> ${id}::uuid and revoked_at = (select k.active_from from public.sealing_keys k where k.id = ${id}::uuid)`.execute(trx);
    await sql`update public.sealing_keys set active_from = now() - interval '1 second' where id = ${id}::uuid`.execute(trx);
  });
async function events(after = 0) {
  const { rows } = await withSystem((trx) =>
    sql<{ seq: string; event: string; actor_id: string | null; details: Record<string, unknown> }>`
      select e.seq::text as seq, e.event, e.actor_id, e.details from public.audit_events e where e.seq > ${after} and e.report_id is null order by e.seq`.execute(trx),
  );
  return rows;
}
const headSeq = async () => Number((await withSystem((trx) => trx.selectFrom("private.audit_head").select("seq").executeTakeFirstOrThrow())).seq);

beforeAll(async () => {
  cast = await createCast();
  // the organisation's first key: nobody could open sealed data before, so it is a recipient at once
  await setWait("24 hours");
  const first = await newAttorneyKey(cast.attorney_luis);
  expect(Date.parse(first.registered.activeFrom)).toBeLessThanOrEqual(Date.now() + 1000);
});

beforeEach(() => vi.mocked(sendMail).mockClear());

describe("fingerprints", () => {
  it("are computed by the database from the key (128 bits), never taken from the caller", async () => {
    const { pair, registered } = await newAttorneyKey(await createPersona("fp_attorney", ["attorney"]));
    expect(registered.fingerprint).toBe(publicKeyFingerprint(pair.publicKey));
    expect(registered.fingerprint.replaceAll(" ", "")).toMatch(/^[0-9a-f]{32}$/);
    const stored = await withSystem((trx) => trx.selectFrom("sealing_keys").select("fingerprint").where("id", "=", registered.id).executeTakeFirstOrThrow());
    expect(stored.fingerprint).toBe(registered.fingerprint.replaceAll(" ", ""));
    // the old signature that took a fingerprint is gone, and the column cannot be written
    const wrapped = JSON.stringify(await wrapPrivateKey(generateKeyPair().privateKey, "a long enough passphrase", PARAMS));
    await expect(
      withUser(cast.attorney_luis.claims, (trx) => sql`select private.register_attorney_key(${toB64u(pair.publicKey)}, ${"aaaa bbbb"}, ${wrapped}::jsonb)`.execute(trx)),
    ).rejects.toMatchObject({ code: "42883" });
    await expect(
      withSystem((trx) => sql`update public.sealing_keys set fingerprint = 'aaaa' where id = ${registered.id}::uuid`.execute(trx)),
    ).rejects.toMatchObject({ code: "428C9" });
  });
});

describe("the waiting period", () => {
  it("an admin who makes themselves attorney and registers a key in one go gets nothing sealed to it before the wait is over", async () => {
    await runJobsOnce(); // the emails of earlier changes
    vi.mocked(sendMail).mockClear();
    const before = await headSeq();
    const pair = generateKeyPair();
    const wrapped = await wrapPrivateKey(pair.privateKey, "a long enough passphrase", PARAMS);
    const keyId = await withUser(cast.admin_alma.claims, async (trx) => {
      await trx.insertInto("role_grants").values({ user_id: cast.admin_alma.id, role: "attorney", granted_by: cast.admin_alma.id }).execute();
      const { rows } = await sql<{ id: string }>`select private.register_attorney_key(${toB64u(pair.publicKey)}, ${JSON.stringify(wrapped)}::jsonb) as id`.execute(trx);
      return rows[0]!.id;
    });
    expect(await recipientKeys()).not.toContain(toB64u(pair.publicKey));
    const row = (await keyOverview(cast.attorney_luis.claims)).find((k) => k.id === keyId)!;
    expect(row.current).toBe(false);
    expect(Date.parse(row.activeFrom) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);

    // both changes are in the audit log, with the admin as actor, and emailed to every attorney and admin
    const logged = await events(before);
    expect(logged.map((e) => e.event)).toEqual(["role_granted", "key_registered"]);
    expect(logged.every((e) => e.actor_id === cast.admin_alma.id)).toBe(true);
    expect(logged[1]!.details).toMatchObject({ fingerprint: publicKeyFingerprint(pair.publicKey).replaceAll(" ", ""), owner: cast.admin_alma.id });
    expect(await runJobsOnce()).toMatchObject({ failed: 0 });
    const mails = vi.mocked(sendMail).mock.calls.map(([m]) => m).filter((m) => m.subject.includes("who can open sealed reports changed"));
    const toLuis = mails.filter((m) => m.to === cast.attorney_luis.email);
    expect(toLuis).toHaveLength(2);
    expect(toLuis.map((m) => m.text).join("\n")).toContain(publicKeyFingerprint(pair.publicKey));
    expect(toLuis.map((m) => m.text).join("\n")).toContain("Role given: Attorney");
    expect(toLuis.map((m) => m.text).join("\n")).toContain("admin_alma@test.example");
    expect(mails.filter((m) => m.to === cast.admin_alma.email)).toHaveLength(2);
    expect(mails.filter((m) => m.to === cast.observer_ana.email || m.to === cast.coordinator_carmen.email)).toEqual([]);

    await elapse(keyId);
    expect(await recipientKeys()).toContain(toB64u(pair.publicKey));
    // attorneys read these changes in the audit log (not only admins)
    expect((await recipientEvents(cast.attorney_luis.claims)).map((e) => e.event)).toEqual(expect.arrayContaining(["role_granted", "key_registered"]));
    await withSystem((trx) => trx.deleteFrom("role_grants").where("user_id", "=", cast.admin_alma.id).where("role", "=", "attorney").execute());
    expect((await events(before)).map((e) => e.event)).toContain("role_revoked");
  });

  it("a replaced attorney key stays a recipient until its successor is, and a key still waiting never becomes one", async () => {
    const lawyer = await createPersona("replacing_attorney", ["attorney"]);
    const first = await newAttorneyKey(lawyer);
    await elapse(first.registered.id);
    const second = await newAttorneyKey(lawyer);
    expect(await recipientKeys()).toContain(toB64u(first.pair.publicKey));
    expect(await recipientKeys()).not.toContain(toB64u(second.pair.publicKey));
    const third = await newAttorneyKey(lawyer);
    const mine = await myWrappedKeys(lawyer.claims);
    expect(mine.map((k) => [k.public_key, k.current])).toEqual([
      [toB64u(first.pair.publicKey), true],
      [toB64u(third.pair.publicKey), false],
      [toB64u(second.pair.publicKey), false],
    ]);
    await elapse(second.registered.id);
    expect(await recipientKeys()).not.toContain(toB64u(second.pair.publicKey));
    await elapse(third.registered.id);
    const now = await recipientKeys();
    expect(now).toContain(toB64u(third.pair.publicKey));
    expect(now).not.toContain(toB64u(first.pair.publicKey));
    const logged = (await events()).filter((e) => e.details.owner === lawyer.id).map((e) => e.event);
    // the second key, still waiting when the third came, was stopped: its own event
    expect(logged).toEqual(["key_registered", "key_replaced", "key_withdrawn", "key_replaced"]);
  });

  it("deactivating an attorney is an audited, emailed change; the keys it removes are gone at once", async () => {
    const before = await headSeq();
    const lawyer = await createPersona("leaving_attorney", ["attorney"]);
    const { pair, registered } = await newAttorneyKey(lawyer);
    await elapse(registered.id);
    expect(await recipientKeys()).toContain(toB64u(pair.publicKey));
    await withUser(cast.admin_alma.claims, (trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", lawyer.id).execute());
    expect(await recipientKeys()).not.toContain(toB64u(pair.publicKey));
    const logged = await events(before);
    expect(logged.map((e) => e.event)).toEqual(["role_granted", "key_registered", "member_deactivated"]);
    expect(logged[2]).toMatchObject({ actor_id: cast.admin_alma.id, details: { person: lawyer.id, roles: ["attorney"] } });
  });
});

describe("the recovery key", () => {
  it("with one admin: registered, then replaced after the waiting period, with no second approval", async () => {
    const solo = generateKeyPair();
    const first = await registerRecoveryKey(cast.admin_alma.claims, toB64u(solo.publicKey));
    expect(first.awaitingApproval).toBe(false);
    expect(await recipientKeys()).not.toContain(toB64u(solo.publicKey));
    await elapse(first.id);
    expect(await recipientKeys()).toContain(toB64u(solo.publicKey));
    const next = generateKeyPair();
    const replaced = await registerRecoveryKey(cast.admin_alma.claims, toB64u(next.publicKey));
    expect(replaced.awaitingApproval).toBe(false);
    // the old key stays in use during the wait
    expect(await recipientKeys()).toContain(toB64u(solo.publicKey));
    expect(await recipientKeys()).not.toContain(toB64u(next.publicKey));
    await elapse(replaced.id);
    expect(await recipientKeys()).toContain(toB64u(next.publicKey));
    expect(await recipientKeys()).not.toContain(toB64u(solo.publicKey));
    const logged = (await events()).filter((e) => e.details.kind === "recovery").map((e) => [e.event, e.details.approval]);
    expect(logged).toEqual([
      ["recovery_key_registered", "not_needed"],
      ["recovery_key_replaced", "not_needed"],
    ]);
  });

  it("with two admins: a replacement waits for the other admin's approval; the proposer cannot approve it; any admin can stop it", async () => {
    const second = await createPersona("admin_second", ["admin"]);
    const key0 = generateKeyPair();
    const early = await registerRecoveryKey(cast.admin_alma.claims, toB64u(key0.publicKey));
    // an admin who became one just now (an alias invited for the purpose) cannot approve
    await expect(approveRecoveryKey(second.claims, early.id)).rejects.toMatchObject({ status: 409, messageKey: "keys.errors.newAdmin" });
    expect(await withdrawRecoveryKey(cast.admin_alma.claims)).toBe(1);
    await withSystem((trx) => trx.updateTable("role_grants").set({ granted_at: sql`now() - interval '2 days'` }).where("user_id", "=", second.id).execute());
    const current = (await keyOverview(cast.admin_alma.claims)).find((k) => k.kind === "recovery" && k.current)!;
    const proposed = generateKeyPair();
    const key = await registerRecoveryKey(cast.admin_alma.claims, toB64u(proposed.publicKey));
    expect(key.awaitingApproval).toBe(true);
    await elapse(key.id);
    expect(await recipientKeys()).not.toContain(toB64u(proposed.publicKey));
    await expect(approveRecoveryKey(cast.admin_alma.claims, key.id)).rejects.toMatchObject({ status: 409, messageKey: "keys.errors.secondAdmin" });
    await expect(approveRecoveryKey(cast.attorney_luis.claims, key.id)).rejects.toMatchObject({ status: 403 });
    await expect(approveRecoveryKey(second.claims, crypto.randomUUID())).rejects.toMatchObject({ status: 404 });
    // stopped by any admin: the current key stays, with no end
    expect(await withdrawRecoveryKey(second.claims)).toBe(1);
    expect(await recipientKeys()).not.toContain(toB64u(proposed.publicKey));
    expect((await keyOverview(cast.admin_alma.claims)).find((k) => k.id === current.id)).toMatchObject({ current: true, endsAt: null });

    // proposed again and approved by the second admin: used once the waiting period from the proposal is over
    const again = generateKeyPair();
    const proposal = await registerRecoveryKey(cast.admin_alma.claims, toB64u(again.publicKey));
    const activeFrom = await approveRecoveryKey(second.claims, proposal.id);
    expect(Date.parse(activeFrom) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect((await sealingRecipients(cast.observer_ana.claims)).filter((r) => r.kind === "recovery").map((r) => r.keyId)).toEqual([current.id]);
    expect((await keyOverview(cast.admin_alma.claims)).find((k) => k.id === current.id)!.endsAt).toBe(activeFrom);
    await elapse(proposal.id);
    const recovery = (await sealingRecipients(cast.observer_ana.claims)).filter((r) => r.kind === "recovery");
    expect(recovery.map((r) => r.publicKey)).toEqual([toB64u(again.publicKey)]);
    const logged = (await events()).filter((e) => e.details.kind === "recovery").slice(-4);
    expect(logged.map((e) => [e.event, e.details.approval ?? e.details.reason])).toEqual([
      ["recovery_key_proposed", "awaiting"],
      ["recovery_key_withdrawn", "withdrawn"],
      ["recovery_key_proposed", "awaiting"],
      ["recovery_key_replaced", "second_admin"],
    ]);
    expect(logged[3]).toMatchObject({ actor_id: second.id, details: { proposed_by: cast.admin_alma.id } });
  });
});

describe("mends from a review", () => {
  it("a key parked by removing the role, or by deactivating its holder, comes back only after a new waiting period", async () => {
    const lawyer = await createPersona("parking_attorney", ["attorney"]);
    const { pair, registered } = await newAttorneyKey(lawyer);
    await elapse(registered.id);
    expect(await recipientKeys()).toContain(toB64u(pair.publicKey));
    for (const [park, unpark] of [
      [
        () => withSystem((trx) => trx.deleteFrom("role_grants").where("user_id", "=", lawyer.id).where("role", "=", "attorney").execute()),
        () => withSystem((trx) => trx.insertInto("role_grants").values({ user_id: lawyer.id, role: "attorney", granted_by: cast.admin_alma.id }).execute()),
      ],
      [
        () => withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", lawyer.id).execute()),
        () => withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: null }).where("id", "=", lawyer.id).execute()),
      ],
    ] as const) {
      await park();
      expect(await recipientKeys()).not.toContain(toB64u(pair.publicKey));
      expect((await keyOverview(cast.admin_alma.claims)).find((k) => k.id === registered.id)).toMatchObject({ current: false, parked: true });
      const before = await headSeq();
      await unpark();
      // not at once: the key waits a whole period again, and everyone is told
      expect(await recipientKeys()).not.toContain(toB64u(pair.publicKey));
      const row = (await keyOverview(cast.admin_alma.claims)).find((k) => k.id === registered.id)!;
      expect(row).toMatchObject({ current: false, parked: false });
      expect(Date.parse(row.activeFrom) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
      expect((await events(before)).map((e) => e.event)).toEqual(expect.arrayContaining(["key_waits_again"]));
      await elapse(registered.id);
      expect(await recipientKeys()).toContain(toB64u(pair.publicKey));
    }
  });

  it("what the pages list as in use is exactly what observers seal to", async () => {
    const overview = await keyOverview(cast.attorney_luis.claims);
    const sealedTo = (await sealingRecipients(cast.observer_ana.claims)).map((r) => r.keyId).sort();
    expect(overview.filter((k) => k.current).map((k) => k.id).sort()).toEqual(sealedTo);
    await expect(keyOverview(cast.observer_ana.claims)).resolves.toEqual([]);
  });

  it("a waiting attorney key can be stopped by an admin or its owner, not by another attorney; each stop is an audit event", async () => {
    const lawyer = await createPersona("stopping_attorney", ["attorney"]);
    const first = await newAttorneyKey(lawyer);
    await elapse(first.registered.id);
    const second = await newAttorneyKey(lawyer);
    await expect(withdrawAttorneyKey(cast.attorney_luis.claims, second.registered.id)).rejects.toMatchObject({ status: 404 });
    await expect(withdrawAttorneyKey(cast.admin_alma.claims, first.registered.id)).rejects.toMatchObject({ status: 404 }); // in use: not waiting
    await withdrawAttorneyKey(cast.admin_alma.claims, second.registered.id);
    // the key in use before stays, with no end
    expect((await keyOverview(cast.admin_alma.claims)).find((k) => k.id === first.registered.id)).toMatchObject({ current: true, endsAt: null });
    const third = await newAttorneyKey(lawyer);
    await withdrawAttorneyKey(lawyer.claims, third.registered.id);
    // a waiting key replaced by a newer registration is stopped with an event too
    const fourth = await newAttorneyKey(lawyer);
    await newAttorneyKey(lawyer);
    const stopped = (await events()).filter((e) => e.event === "key_withdrawn" && e.details.owner === lawyer.id).map((e) => [e.details.key, e.details.reason]);
    expect(stopped).toEqual([
      [second.registered.id, "withdrawn"],
      [third.registered.id, "withdrawn"],
      [fourth.registered.id, "superseded"],
    ]);
  });

  it("the emails about a change also reach attorneys and admins deactivated in the last week, and the person it is about", async () => {
    const ousted = await createPersona("ousted_admin", ["admin"]);
    await withUser(cast.admin_alma.claims, (trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", ousted.id).execute());
    const before = await headSeq();
    const newcomer = await createPersona("newcomer_attorney", ["attorney"]);
    const { rows } = await withSystem((trx) =>
      sql<{ person: string }>`select payload ->> 'person_id' as person from private.jobs
        where kind = 'recipients_changed' and (payload ->> 'seq')::bigint > ${before}`.execute(trx),
    );
    const told = new Set(rows.map((r) => r.person));
    for (const p of [ousted, newcomer, cast.attorney_luis, cast.admin_alma]) expect(told.has(p.id), p.email).toBe(true);
    expect(told.has(cast.observer_ana.id)).toBe(false);
  });

  it("two registrations at once by one attorney end with one waiting key, never an error", async () => {
    const lawyer = await createPersona("racing_attorney", ["attorney"]);
    await Promise.all([newAttorneyKey(lawyer), newAttorneyKey(lawyer), newAttorneyKey(lawyer)]);
    const mine = (await keyOverview(cast.admin_alma.claims)).filter((k) => k.ownerId === lawyer.id);
    expect(mine).toHaveLength(1);
  });
});

describe("the browser", () => {
  const key = (fingerprint: string, activeFrom: string, kind = "attorney"): BrowserRecipient => ({ keyId: fingerprint, publicKey: "x", kind, fingerprint, activeFrom });
  it("never seals to a key whose active_from is ahead of its clock", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    const keys = [key("a", "2026-12-05T12:00:00Z"), key("b", "2026-12-06T12:00:01Z"), key("c", "not a date")];
    expect(activeRecipients(keys, now).map((k) => k.fingerprint)).toEqual(["a"]);
  });

  it("remembers the set it sealed to and names what changed since", () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(rememberedRecipients(storage)).toBeNull();
    const before = [key("aaaa", "2026-12-01T00:00:00Z"), key("rrrr", "2026-12-01T00:00:00Z", "recovery")];
    expect(recipientChanges(rememberedRecipients(storage), before)).toBeNull();
    rememberRecipients(before, storage);
    expect(recipientChanges(rememberedRecipients(storage), before)).toBeNull();
    const after = [key("aaaa", "2026-12-01T00:00:00Z"), key("bbbb", "2026-12-05T00:00:00Z"), key("ssss", "2026-12-05T00:00:00Z", "recovery")];
    const changes = recipientChanges(rememberedRecipients(storage), after)!;
    expect(changes.added.map((k) => k.fingerprint)).toEqual(["bbbb", "ssss"]);
    expect(changes.removed).toEqual([{ kind: "recovery", fingerprint: "rrrr" }]);
    // what is stored is fingerprints and kinds only
    expect(JSON.parse([...store.values()][0]!)).toEqual([
      { kind: "attorney", fingerprint: "aaaa" },
      { kind: "recovery", fingerprint: "rrrr" },
    ]);
  });
});
