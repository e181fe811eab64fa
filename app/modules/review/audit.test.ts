import { spawnSync } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { createCast } from "../../../tests/setup/personas";
import { createTestReport, registerTestKey, triage } from "../../../tests/setup/reports";
import { auditHash, auditPayload, GENESIS_HASH, verifyAuditChain } from "./audit.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let reportId: string;
/** Events before the tests' own: the cast's attorney and admin roles and the attorney's key (recipient changes). */
let base: number;

beforeAll(async () => {
  cast = await createCast();
  const key = await registerTestKey(cast.attorney_luis);
  reportId = (await createTestReport(cast.observer_ana, { sealedTo: [key.recipient] })).id;
  base = (await events()).length;
});

const verify = () => withSystem((trx) => verifyAuditChain(trx));
const access = (event: string, report: string | null = reportId) =>
  sql`select private.record_report_access(${report}::uuid, ${event}, '{}'::jsonb)`;

async function events() {
  const { rows } = await withSystem((trx) =>
    sql<{ seq: string; actor_id: string | null; event: string; report_id: string | null; details: Record<string, unknown> }>`
      select e.seq::text as seq, actor_id, event, report_id, details from public.audit_events e order by e.seq`.execute(trx),
  );
  return rows;
}

/** Runs `statement` as the owner with the append-only triggers off: what an attacker with the owner's password could do. */
const tamper = (...statements: ReturnType<typeof sql>[]) =>
  withSystem(async (trx) => {
    await sql`alter table public.audit_events disable trigger audit_events_no_update`.execute(trx);
    for (const statement of statements) await statement.execute(trx);
    await sql`alter table public.audit_events enable trigger audit_events_no_update`.execute(trx);
  });

async function snapshot(seq: number) {
  const { rows } = await withSystem((trx) => sql<{ row: unknown }>`select to_jsonb(e) as row from public.audit_events e where seq = ${seq}`.execute(trx));
  return JSON.stringify(rows[0]!.row);
}
const restore = (seq: number, saved: string) =>
  tamper(
    sql`delete from public.audit_events where seq = ${seq}`,
    sql`insert into public.audit_events select * from jsonb_populate_record(null::public.audit_events, ${saved}::jsonb)`,
  );

describe("the hash chain", () => {
  it("is written by the real paths, with the attorney as actor, and verifies", async () => {
    const setup = await events();
    expect(setup.map((e) => e.event)).toEqual(expect.arrayContaining(["role_granted", "key_registered"]));
    expect(setup.every((e) => e.report_id === null)).toBe(true);
    expect(await verify()).toMatchObject({ ok: true, rows: base });
    await triage(cast.attorney_luis, reportId, { status: "in_review", verification: "confirmed", urgency: "medium", assignedTo: cast.attorney_luis.id });
    await withUser(cast.attorney_luis.claims, (trx) => access("viewed").execute(trx));
    await withUser(cast.attorney_luis.claims, (trx) => access("unsealed").execute(trx));
    await withUser(cast.admin_alma.claims, (trx) => access("exported", null).execute(trx));

    const log = (await events()).slice(base);
    expect(log.map((e) => [String(Number(e.seq) - base), e.event])).toEqual([
      ["1", "status_changed"],
      ["2", "verification_changed"],
      ["3", "urgency_changed"],
      ["4", "assigned"],
      ["5", "viewed"],
      ["6", "unsealed"],
      ["7", "exported"],
    ]);
    expect(log.slice(0, 6).every((e) => e.actor_id === cast.attorney_luis.id && e.report_id === reportId)).toBe(true);
    expect(log[6]).toMatchObject({ actor_id: cast.admin_alma.id, report_id: null });
    expect(log[0]!.details).toEqual({ from: "new", to: "in_review" });

    const result = await verify();
    expect(result).toMatchObject({ ok: true, rows: base + 7 });
    // The same text the database hashes, built in TypeScript.
    const { rows } = await withSystem((trx) =>
      sql<{ payload: string; hash: string }>`
        select private.audit_payload(prev_hash, seq, at, actor_id, event, report_id, details) as payload, hash
        from public.audit_events where seq = ${base + 5}`.execute(trx),
    );
    expect(auditHash(rows[0]!.payload)).toBe(rows[0]!.hash);
    const head = await withSystem((trx) => trx.selectFrom("private.audit_head").select(["seq", "hash"]).executeTakeFirstOrThrow());
    expect(head).toEqual({ seq: String(base + 7), hash: result.ok ? result.head : "" });
    expect(await verifyAuditChain(process.env.DATABASE_URL!)).toEqual(result);
  });

  it("only views, unseals and exports may be recorded from the app, by attorneys (exports also by admins)", async () => {
    await expect(withUser(cast.attorney_luis.claims, (trx) => access("purged").execute(trx))).rejects.toMatchObject({ code: "TS403" });
    await expect(withUser(cast.observer_ana.claims, (trx) => access("viewed").execute(trx))).rejects.toMatchObject({ code: "TS403" });
    await expect(withUser(cast.coordinator_carmen.claims, (trx) => access("exported", null).execute(trx))).rejects.toMatchObject({ code: "TS403" });
    await expect(withUser(cast.admin_alma.claims, (trx) => access("viewed").execute(trx))).rejects.toMatchObject({ code: "TS403" });
    await expect(withUser(cast.attorney_luis.claims, (trx) => access("viewed", crypto.randomUUID()).execute(trx))).rejects.toMatchObject({ code: "TS404" });
    await expect(withUser(cast.attorney_luis.claims, (trx) => sql`select private.audit('viewed', null, '{}')`.execute(trx))).rejects.toMatchObject({ code: "42501" });
    expect(await verify()).toMatchObject({ ok: true, rows: base + 7 });
  });

  it("refuses UPDATE, DELETE and TRUNCATE to authenticated people and to the owner", async () => {
    for (const persona of [cast.attorney_luis, cast.admin_alma]) {
      for (const statement of [
        sql`update public.audit_events set details = '{}' where seq = 1`,
        sql`delete from public.audit_events where seq = 1`,
        sql`truncate public.audit_events`,
        sql`insert into public.audit_events (seq, at, event, prev_hash, hash) values (99, now(), 'viewed', ${GENESIS_HASH}, ${"1".repeat(64)})`,
        sql`update private.audit_head set seq = 0`,
      ]) {
        await expect(withUser(persona.claims, (trx) => statement.execute(trx))).rejects.toMatchObject({ code: "42501" });
      }
    }
    for (const statement of [
      sql`update public.audit_events set details = '{"changed": true}' where seq = 1`,
      sql`delete from public.audit_events where seq = ${base + 7}`,
      sql`truncate public.audit_events`,
    ]) {
      await expect(withSystem((trx) => statement.execute(trx))).rejects.toMatchObject({ code: "42501", message: "The audit log is append-only" });
    }
    expect(await verify()).toMatchObject({ ok: true, rows: base + 7 });
  });

  it("20 transactions appending at once make one gap-free chain, its times in order", async () => {
    const before = (await events()).length;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withUser(cast.attorney_luis.claims, async (trx) => {
          await access("viewed").execute(trx);
          await sql`select pg_sleep(${(i % 4) * 0.005})`.execute(trx);
          await access("unsealed").execute(trx);
          await sql`select private.triage_report(${reportId}::uuid, null, null, ${i % 2 ? "high" : "low"}::public.report_urgency, ${cast.attorney_luis.id}::uuid)`.execute(trx);
        }),
      ),
    );
    const log = await events();
    // two accesses each, and an urgency change whenever the one before (in commit order) set the other value
    expect(log.length - before).toBeGreaterThanOrEqual(41);
    expect(log.length - before).toBeLessThanOrEqual(60);
    expect(log.map((e) => Number(e.seq))).toEqual(Array.from({ length: log.length }, (_, i) => i + 1));
    expect(await verify()).toEqual(expect.objectContaining({ ok: true, rows: log.length }));
    const { rows } = await withSystem((trx) =>
      sql<{ n: number }>`select count(*)::int as n from public.audit_events a join public.audit_events b on b.seq = a.seq + 1 where b.at < a.at`.execute(trx),
    );
    expect(rows[0]!.n).toBe(0);
  });

  it("reads in batches: a chain of more than 5,000 events", async () => {
    // (several transactions: one that updates the head thousands of times gets slow)
    for (let i = 0; i < 4; i++) {
      await withSystem((trx) => sql`select private.audit('viewed', ${reportId}::uuid, jsonb_build_object('n', i, 'text', 'ñ "quoted" \\ é')) from generate_series(1, 1400) i`.execute(trx));
    }
    const total = (await events()).length;
    expect(total).toBeGreaterThan(5_600);
    expect(await verify()).toMatchObject({ ok: true, rows: total });
  });
});

describe("tampering", () => {
  let total: number;
  beforeAll(async () => {
    total = (await events()).length;
  });

  it("a changed detail is named by its seq, also in a later batch", async () => {
    for (const seq of [3, 5_432]) {
      const saved = await snapshot(seq);
      await tamper(sql`update public.audit_events set details = details || '{"extra": 1}' where seq = ${seq}`);
      expect(await verify()).toEqual({ ok: false, rows: seq - 1, brokenAt: seq, reason: "hash does not match the row's content" });
      await restore(seq, saved);
    }
    expect(await verify()).toMatchObject({ ok: true, rows: total });
  });

  it("a changed row whose hash was recomputed breaks the link to the next one", async () => {
    const seq = 4;
    const saved = await snapshot(seq);
    const { rows } = await withSystem((trx) =>
      sql<{ prev_hash: string; seq: string; at: string; actor_id: string | null; event: string; report_id: string | null; details: string }>`
        select prev_hash, seq::text as seq, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at, actor_id::text as actor_id,
               event, report_id::text as report_id, '{"to": null, "from": null}'::jsonb::text as details
        from public.audit_events where seq = ${seq}`.execute(trx),
    );
    const forged = auditHash(auditPayload(rows[0]!));
    await tamper(sql`update public.audit_events set details = '{"to": null, "from": null}', hash = ${forged} where seq = ${seq}`);
    expect(await verify()).toEqual({ ok: false, rows: seq, brokenAt: seq + 1, reason: "prev_hash does not match the previous event's hash" });
    await restore(seq, saved);
    expect(await verify()).toMatchObject({ ok: true, rows: total });
  });

  it("a deleted event is named as the gap, first, last or in between", async () => {
    for (const seq of [1, 10, total]) {
      const saved = await snapshot(seq);
      await tamper(sql`delete from public.audit_events where seq = ${seq}`);
      const result = await verify();
      expect(result).toMatchObject({ ok: false, brokenAt: seq, rows: seq - 1 });
      expect(result.ok ? "" : result.reason).toMatch(seq === 1 ? /does not start at 1/ : new RegExp(`event ${seq} is missing`));
      await restore(seq, saved);
    }
    expect(await verify()).toMatchObject({ ok: true, rows: total });
  });

  it("a head that does not match the last event is named", async () => {
    await withSystem((trx) => sql`update private.audit_head set hash = ${"a".repeat(64)}`.execute(trx));
    expect(await verify()).toEqual({ ok: false, rows: total, brokenAt: total, reason: "the chain head does not match the last event" });
    await withSystem((trx) => sql`update private.audit_head set hash = (select hash from public.audit_events order by seq desc limit 1)`.execute(trx));
    expect(await verify()).toMatchObject({ ok: true, rows: total });
  });

  it("a log rewritten from the start, every hash recomputed, fails only against a head kept elsewhere (security review, finding 13)", async () => {
    const before = await verify();
    expect(before.ok).toBe(true);
    const keptHead = (before as { head: string }).head;
    const { rows: early } = await withSystem((trx) => sql<{ hash: string }>`select hash from public.audit_events where seq = 3`.execute(trx));
    expect(await withSystem((trx) => verifyAuditChain(trx, { knownHead: early[0]!.hash }))).toMatchObject({ ok: true });
    // What someone with the owner's password could do: change an early event and rebuild the chain.
    await tamper(
      sql`update public.audit_events set details = '{"rewritten": true}'::jsonb where seq = 2`,
      sql`do $$
        declare r record; prev text := repeat('0', 64); h text;
        begin
          for r in select * from public.audit_events order by seq loop
            h := encode(sha256(convert_to(private.audit_payload(prev, r.seq, r.at, r.actor_id, r.event, r.report_id, r.details), 'UTF8')), 'hex');
            update public.audit_events set prev_hash = prev, hash = h where seq = r.seq;
            prev := h;
          end loop;
          update private.audit_head set hash = prev;
        end $$`,
    );
    const rewritten = await verify();
    expect(rewritten).toMatchObject({ ok: true, rows: total });
    expect(await withSystem((trx) => verifyAuditChain(trx, { knownHead: keptHead }))).toMatchObject({ ok: false, reason: expect.stringContaining("is not in the chain") });
    await expect(withSystem((trx) => verifyAuditChain(trx, { knownHead: "xyz" }))).rejects.toThrow();
    const run = (...args: string[]) =>
      spawnSync(path.resolve("node_modules/.bin/tsx"), ["scripts/audit-verify.ts", ...args], { env: { ...process.env }, encoding: "utf8", timeout: 60_000 });
    const spaced = keptHead.match(/.{1,16}/g)!.join(" ");
    const refused = run("--head", ...spaced.split(" "));
    expect(refused.stdout).toMatch(/BROKEN .*is not in the chain/);
    expect(refused.status).toBe(1);
    const passes = run("--head", (rewritten as { head: string }).head);
    expect(passes.stdout).toMatch(/^The chain passes through the known head [0-9a-f]{16}…\nAudit chain OK/);
    expect(passes.status).toBe(0);
  });

  it("npm run audit:verify prints the result and exits 0, or 1 naming the break", async () => {
    const run = () =>
      spawnSync(path.resolve("node_modules/.bin/tsx"), ["scripts/audit-verify.ts"], { env: { ...process.env }, encoding: "utf8", timeout: 60_000 });
    const ok = run();
    expect(ok.stdout).toMatch(new RegExp(`^Audit chain OK: ${total} events, head [0-9a-f]{12}\\n$`));
    expect(ok.status).toBe(0);
    await tamper(sql`update public.audit_events set event = 'exported' where seq = 17`);
    const broken = run();
    expect(broken.stdout).toMatch(/^Audit chain BROKEN at seq 17: hash does not match the row's content/);
    expect(broken.status).toBe(1);
  });
});
