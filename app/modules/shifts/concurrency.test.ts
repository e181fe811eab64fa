// Claims under contention, over real connections: a pool of 60 connections and 200 people at once.
process.env.DATABASE_POOL_SIZE = "60";

import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { createPersona, type Persona } from "../../../tests/setup/personas";
import { brokenShiftInvariants, createTestShift, createTestZone } from "../../../tests/setup/shifts";
import { claimShift, leaveShift } from "./shifts.server";

const CROWD = 200;
let crowd: Persona[];
let zoneId: string;

beforeAll(async () => {
  zoneId = await createTestZone("Storm zone");
  crowd = [];
  for (let i = 0; i < CROWD; i++) crowd.push(await createPersona(`crowd_${i}`, ["observer"], { trainingDate: "2026-10-01" }));
}, 120_000);

async function statusesOf(shiftId: string) {
  const { rows } = await withSystem((trx) =>
    sql<{ observer_id: string; status: string; seq: string }>`
      select observer_id, status, seq from public.shift_assignments where shift_id = ${shiftId}::uuid order by seq`.execute(trx),
  );
  return rows;
}

describe("claim storm", () => {
  it(`${CROWD} observers claim a shift of 5 at once: exactly 5 claimed, the rest waitlisted, no errors`, async () => {
    const shift = await createTestShift(zoneId, { capacity: 5, startsInHours: 30 });
    const results = await Promise.allSettled(crowd.map((p) => claimShift(p.claims, shift)));
    const errors = results.filter((r) => r.status === "rejected");
    expect(errors).toEqual([]);
    const statuses = results.map((r) => (r as PromiseFulfilledResult<{ status: string }>).value.status);
    expect(statuses.filter((s) => s === "claimed")).toHaveLength(5);
    expect(statuses.filter((s) => s === "waitlisted")).toHaveLength(CROWD - 5);
    const rows = await statusesOf(shift);
    // the five who got in are the first five to arrive
    expect(rows.slice(0, 5).every((r) => r.status === "claimed")).toBe(true);
    expect(await brokenShiftInvariants()).toEqual([]);
  });

  it("with cancellations interleaved, promotion is first in, first out and capacity holds", async () => {
    const shift = await createTestShift(zoneId, { capacity: 5, startsInHours: 40 });
    // 100 people claim first, in a storm
    await Promise.all(crowd.slice(0, 100).map((p) => claimShift(p.claims, shift)));
    const before = await statusesOf(shift);
    const claimedBefore = before.filter((r) => r.status === "claimed").map((r) => r.observer_id);
    const queueBefore = before.filter((r) => r.status === "waitlisted").map((r) => r.observer_id);
    expect(claimedBefore).toHaveLength(5);

    // then 100 more claim while 3 of the claimed and 10 of the waiting cancel, all at once
    const leavers = [...claimedBefore.slice(0, 3), ...queueBefore.slice(20, 30)];
    const byId = new Map(crowd.map((p) => [p.id, p]));
    const ops = [
      ...crowd.slice(100).map((p) => () => claimShift(p.claims, shift)),
      ...leavers.map((id) => () => leaveShift(byId.get(id)!.claims, shift)),
    ];
    // interleave: shuffle deterministically
    ops.sort((a, b) => (ops.indexOf(a) * 7919) % 211 - (ops.indexOf(b) * 7919) % 211);
    const results = await Promise.allSettled(ops.map((op) => op()));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);

    const after = await statusesOf(shift);
    const claimedAfter = after.filter((r) => r.status === "claimed").map((r) => r.observer_id);
    expect(claimedAfter).toHaveLength(5);
    // the 3 freed spots went to the first 3 who were waiting before the storm (none of them left)
    const stayed = claimedBefore.slice(3);
    expect(new Set(claimedAfter)).toEqual(new Set([...stayed, ...queueBefore.slice(0, 3)]));
    // everyone still waiting is in arrival order
    const waiting = after.filter((r) => r.status === "waitlisted");
    expect(waiting.map((r) => Number(r.seq))).toEqual([...waiting.map((r) => Number(r.seq))].sort((a, b) => a - b));
    expect(waiting).toHaveLength(CROWD - 5 - leavers.length);
    expect(await brokenShiftInvariants()).toEqual([]);
  });

  it("one person claiming overlapping shifts at once gets exactly one, and is told why, never 'busy'", async () => {
    // Several rounds: the two inserts racing under the exclusion constraint deadlocked now and then
    // (40P01, shown as "busy, try again") before claims by one person were serialised.
    for (let round = 0; round < 12; round++) {
      const shifts = await Promise.all([0, 1, 2, 3].map((i) => createTestShift(zoneId, { capacity: 50, startsInHours: 300 + round * 5 + i * 0.5, hours: 3 })));
      const person = crowd[round]!;
      const results = await Promise.allSettled(shifts.map((s) => claimShift(person.claims, s)));
      expect(results.filter((r) => r.status === "fulfilled"), `round ${round}`).toHaveLength(1);
      for (const r of results.filter((r) => r.status === "rejected")) {
        expect((r as PromiseRejectedResult).reason, `round ${round}`).toMatchObject({ status: 409, messageKey: "shifts.errors.overlap" });
      }
    }
  });

  it("many people claiming and leaving many shifts at random never break the invariants", async () => {
    const shifts = await Promise.all([0, 1, 2].map((i) => createTestShift(zoneId, { capacity: 3, startsInHours: 100 + i * 10 })));
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ops = Array.from({ length: 400 }, () => {
      const person = crowd[Math.floor(random() * 60)]!;
      const shift = shifts[Math.floor(random() * shifts.length)]!;
      return random() < 0.65 ? () => claimShift(person.claims, shift) : () => leaveShift(person.claims, shift).catch(() => null);
    });
    const results = await Promise.allSettled(ops.map((op) => op()));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await brokenShiftInvariants()).toEqual([]);
  });

  describe("the queue of one shift's claims", () => {
    // The queue is the advisory lock (7302, hashtext(shift id)) of migration 20261208150000.
    const QUEUE = 7302;
    /** Takes the head of the shift's queue in `trx`: claims sent now wait until it commits. */
    const holdQueue = (trx: Parameters<Parameters<typeof withSystem>[0]>[0], shiftId: string) =>
      sql`select pg_advisory_xact_lock(${QUEUE}, hashtext(${shiftId}::text))`.execute(trx);
    const waitingInQueue = (shiftId: string) =>
      withSystem((trx) =>
        sql<{ n: number }>`
          select count(*)::int as n from pg_locks
          where locktype = 'advisory' and not granted and classid = ${QUEUE} and objid = hashtext(${shiftId}::text)::oid and objsubid = 2`.execute(trx),
      ).then(({ rows }) => rows[0]!.n);

    async function untilQueued(shiftId: string, count: number) {
      for (let i = 0; i < 200; i++) {
        if ((await waitingInQueue(shiftId)) >= count) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`fewer than ${count} claims ever waited in the queue of shift ${shiftId}`);
    }

    it("claims wait in one queue before the shift's row, and are served in the order they queued", async () => {
      const shift = await createTestShift(zoneId, { capacity: 2, startsInHours: 900 });
      const people = crowd.slice(100, 106);
      const claims: Promise<{ status: string; observer_id: string }>[] = [];
      await withSystem(async (trx) => {
        // The queue's head held open: every claim sent now must wait behind it, not on the row.
        await holdQueue(trx, shift);
        for (const [i, person] of people.entries()) {
          claims.push(claimShift(person.claims, shift));
          await untilQueued(shift, i + 1);
        }
      });
      const results = await Promise.all(claims);
      expect(results.map((r) => r.status)).toEqual(["claimed", "claimed", "waitlisted", "waitlisted", "waitlisted", "waitlisted"]);
      const rows = await statusesOf(shift);
      expect(rows.map((r) => r.observer_id)).toEqual(people.map((p) => p.id));
      expect(await brokenShiftInvariants()).toEqual([]);
    });

    it("a claim is judged by the shift's time when its turn comes, not when it joined the queue", async () => {
      // Training valid for the shift where it was, lapsed by the date it moves to while the claim waits.
      const lapsing = new Date(Date.now() - 330 * 86_400_000).toISOString().slice(0, 10);
      const person = await createPersona("queue_lapsing", ["observer"], { trainingDate: lapsing });
      const shift = await createTestShift(zoneId, { capacity: 5, startsInHours: 48 });
      let claim!: Promise<unknown>;
      await withSystem(async (trx) => {
        await holdQueue(trx, shift);
        claim = claimShift(person.claims, shift).then(
          (row) => row,
          (error: unknown) => error,
        );
        await untilQueued(shift, 1);
        await sql`update public.shifts set starts_at = starts_at + interval '90 days', ends_at = ends_at + interval '90 days' where id = ${shift}::uuid`.execute(trx);
      });
      expect(await claim).toMatchObject({ status: 409, messageKey: "shifts.errors.training_expired" });
      expect(await statusesOf(shift)).toEqual([]);
    });

    it("a claim is judged by the person as they are when its turn comes: training taken away, deactivated", async () => {
      const untrained = await createPersona("queue_untrained", ["observer"], { trainingDate: "2026-10-01" });
      const leaving = await createPersona("queue_deactivated", ["observer"], { trainingDate: "2026-10-01" });
      const shift = await createTestShift(zoneId, { capacity: 5, startsInHours: 52 });
      let claims!: Promise<unknown[]>;
      await withSystem(async (trx) => {
        await holdQueue(trx, shift);
        claims = Promise.all([untrained, leaving].map((p) => claimShift(p.claims, shift).then((row) => row, (error: unknown) => error)));
        await untilQueued(shift, 2);
        await sql`update public.profiles set training_date = null where id = ${untrained.id}::uuid`.execute(trx);
        await sql`update public.profiles set deactivated_at = now() where id = ${leaving.id}::uuid`.execute(trx);
      });
      const [first, second] = await claims;
      expect(first).toMatchObject({ status: 409, messageKey: "shifts.errors.training_missing" });
      expect(second).toMatchObject({ status: 403 });
      expect(await statusesOf(shift)).toEqual([]);
    });

    it("a join after someone in the middle of the waitlist left is told its place as the page later shows it", async () => {
      const shift = await createTestShift(zoneId, { capacity: 1, startsInHours: 960 });
      const [a, b, c, d, e] = crowd.slice(110, 115) as [Persona, Persona, Persona, Persona, Persona];
      await claimShift(a.claims, shift);
      const told = [];
      for (const person of [b, c, d]) told.push((await claimShift(person.claims, shift)).position);
      expect(told).toEqual([1, 2, 3]);
      await leaveShift(c.claims, shift);
      const joined = await claimShift(e.claims, shift);
      expect(joined).toMatchObject({ status: "waitlisted", position: 3 });
      const { rows } = await withSystem((trx) =>
        sql<{ observer_id: string; place: number }>`
          select observer_id, row_number() over (order by seq)::int as place
          from public.shift_assignments where shift_id = ${shift}::uuid and status = 'waitlisted'`.execute(trx),
      );
      expect(rows.find((r) => r.observer_id === e.id)?.place).toBe(3);
      expect(await brokenShiftInvariants()).toEqual([]);
    });

    it("the previous build's claim_shift still claims, through the same queue, and returns the assignment", async () => {
      const shift = await createTestShift(zoneId, { capacity: 1, startsInHours: 980 });
      const [a, b] = crowd.slice(120, 122) as [Persona, Persona];
      const call = (p: Persona) =>
        withUser(p.claims, (trx) => sql<{ status: string; observer_id: string }>`select * from private.claim_shift(${shift}::uuid, true)`.execute(trx)).then(({ rows }) => rows);
      expect(await call(a)).toMatchObject([{ status: "claimed", observer_id: a.id }]);
      expect(await call(b)).toMatchObject([{ status: "waitlisted", observer_id: b.id }]);
      expect(await brokenShiftInvariants()).toEqual([]);
    });
  });

  describe("taps and races around a full shift", () => {
    it("one person's two taps at once on a full shift give one place, the same one to both", async () => {
      const shift = await createTestShift(zoneId, { capacity: 1, startsInHours: 720 });
      await claimShift(crowd[0]!.claims, shift);
      for (const person of crowd.slice(1, 11)) {
        const [a, b] = await Promise.all([claimShift(person.claims, shift), claimShift(person.claims, shift)]);
        expect(a.status).toBe("waitlisted");
        expect(b.id).toBe(a.id);
        // Both taps are told the same place: the second counts who is ahead of the first's row.
        expect(b.position).toBe(a.position);
      }
      const rows = await statusesOf(shift);
      expect(rows.filter((r) => r.status === "waitlisted")).toHaveLength(10);
      expect(await brokenShiftInvariants()).toEqual([]);
    });

    it("a join that finds a spot freed after its first look claims it, and nobody deadlocks", async () => {
      // Capacity 2, full; rounds of one leave racing many joins: some joins see the shift full, then
      // free once they hold the lock, and must claim instead of joining (FIFO: only if nobody waits).
      for (let round = 0; round < 6; round++) {
        const shift = await createTestShift(zoneId, { capacity: 2, startsInHours: 740 + round * 10 });
        const [a, b] = [crowd[20 + round * 12]!, crowd[21 + round * 12]!];
        await claimShift(a.claims, shift);
        await claimShift(b.claims, shift);
        const joiners = crowd.slice(22 + round * 12, 32 + round * 12);
        const results = await Promise.allSettled([leaveShift(a.claims, shift), ...joiners.map((p) => claimShift(p.claims, shift))]);
        expect(results.filter((r) => r.status === "rejected"), `round ${round}`).toEqual([]);
        const rows = await statusesOf(shift);
        expect(rows.filter((r) => r.status === "claimed"), `round ${round}`).toHaveLength(2);
        expect(await brokenShiftInvariants()).toEqual([]);
      }
    });
  });
});
