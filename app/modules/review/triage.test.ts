import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { updateReport } from "~/modules/reports/reports.server";
import { ReportSchema } from "~/modules/reports/schema";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { createTestReport, triage } from "../../../tests/setup/reports";
import { verifyAuditChain } from "./audit.server";

const STATUSES = ["new", "in_review", "follow_up", "referred", "closed"] as const;
type Status = (typeof STATUSES)[number];

let cast: Awaited<ReturnType<typeof createCast>>;
let formerAttorney: Persona;
let allowed: Set<string>;

beforeAll(async () => {
  cast = await createCast();
  formerAttorney = await createPersona("attorney_former", ["attorney"]);
  await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", formerAttorney.id).execute());
  const rows = await withSystem((trx) => trx.selectFrom("private.report_transitions").select(["from_status", "to_status"]).execute());
  allowed = new Set(rows.map((r) => `${r.from_status}>${r.to_status}`));
});

/** The shortest way from `new` to each status along allowed transitions. */
const PATH: Record<Status, Status[]> = {
  new: [],
  in_review: ["in_review"],
  follow_up: ["in_review", "follow_up"],
  referred: ["in_review", "referred"],
  closed: ["closed"],
};

async function reportIn(status: Status) {
  const { id } = await createTestReport(cast.observer_ana);
  for (const step of PATH[status]) await triage(cast.attorney_luis, id, { status: step });
  return id;
}

async function reportRow(id: string) {
  return withSystem((trx) =>
    trx
      .selectFrom("reports")
      .select(["status", "verification", "urgency", "assigned_to", "closed_at", "review_started_at", "legal_hold", "legal_hold_reason"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow(),
  );
}

async function auditOf(id: string) {
  const { rows } = await withSystem((trx) =>
    sql<{ event: string; actor_id: string | null; details: Record<string, unknown> }>`
      select event, actor_id, details from public.audit_events e where report_id = ${id}::uuid order by e.seq`.execute(trx),
  );
  return rows;
}

describe("status workflow", () => {
  it("has the documented transitions", () => {
    expect([...allowed].sort()).toEqual(
      [
        "new>in_review", "new>closed",
        "in_review>follow_up", "in_review>referred", "in_review>closed",
        "follow_up>in_review", "follow_up>referred", "follow_up>closed",
        "referred>follow_up", "referred>closed",
        "closed>in_review",
      ].sort(),
    );
  });

  for (const from of STATUSES) {
    for (const to of STATUSES) {
      if (from === to) continue;
      it(`${from} → ${to}`, async () => {
        const id = await reportIn(from);
        expect((await reportRow(id)).status).toBe(from);
        if (allowed.has(`${from}>${to}`)) {
          await triage(cast.attorney_luis, id, { status: to });
          expect((await reportRow(id)).status).toBe(to);
          expect((await auditOf(id)).at(-1)).toEqual({ event: "status_changed", actor_id: cast.attorney_luis.id, details: { from, to } });
        } else {
          const before = (await auditOf(id)).length;
          await expect(triage(cast.attorney_luis, id, { status: to })).rejects.toMatchObject({ code: "TS409", message: "review.errors.transition" });
          // the trigger applies to any writer, the owner included
          await expect(
            withSystem((trx) => sql`update public.reports set status = ${to}::public.report_status where id = ${id}::uuid`.execute(trx)),
          ).rejects.toMatchObject({ code: "TS409", message: "review.errors.transition" });
          expect((await reportRow(id)).status).toBe(from);
          expect(await auditOf(id)).toHaveLength(before);
        }
      });
    }
  }

  it("closing stamps closed_at, reopening clears it, and the owner cannot leave them inconsistent", async () => {
    const id = await reportIn("in_review");
    expect((await reportRow(id)).closed_at).toBeNull();
    await triage(cast.attorney_luis, id, { status: "closed" });
    const closed = await reportRow(id);
    expect(closed.closed_at).toBeInstanceOf(Date);
    expect(Math.abs(Date.now() - closed.closed_at!.getTime())).toBeLessThan(60_000);
    await triage(cast.attorney_luis, id, { status: "in_review" });
    expect((await reportRow(id)).closed_at).toBeNull();
    // closing as the owner, directly, stamps it too; a closed_at without closing is refused
    await withSystem((trx) => sql`update public.reports set status = 'closed' where id = ${id}::uuid`.execute(trx));
    expect((await reportRow(id)).closed_at).toBeInstanceOf(Date);
    await expect(withSystem((trx) => sql`update public.reports set closed_at = null where id = ${id}::uuid`.execute(trx))).rejects.toMatchObject({ code: "23514" });
  });
});

describe("who triages", () => {
  it("only active attorneys: observers (the author too), coordinators, admins and former attorneys are refused", async () => {
    const id = await reportIn("new");
    for (const persona of [cast.observer_ana, cast.observer_oscar, cast.coordinator_carmen, cast.admin_alma, formerAttorney]) {
      await expect(triage(persona, id, { status: "in_review" })).rejects.toMatchObject({ code: "TS403", message: "errors.forbidden" });
      await expect(
        withUser(persona.claims, (trx) => sql`select private.set_legal_hold(${id}::uuid, true, 'x')`.execute(trx)),
      ).rejects.toMatchObject({ code: "TS403" });
    }
    // nor may anyone but an attorney write the triage columns directly
    await expect(
      withUser(cast.observer_ana.claims, (trx) => sql`update public.reports set status = 'closed' where id = ${id}::uuid`.execute(trx)),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(
      withUser(cast.attorney_luis.claims, (trx) => sql`update public.reports set assigned_to = ${cast.attorney_luis.id}::uuid where id = ${id}::uuid`.execute(trx)),
    ).rejects.toMatchObject({ code: "42501" });
    expect(await reportRow(id)).toMatchObject({ status: "new", review_started_at: null, legal_hold: false });
    expect(await auditOf(id)).toEqual([]);
  });

  it("assigns only to active attorneys", async () => {
    const id = await reportIn("new");
    const colleague = await createPersona("attorney_colleague", ["attorney"]);
    for (const assignee of [cast.observer_ana.id, cast.coordinator_carmen.id, cast.admin_alma.id, formerAttorney.id, crypto.randomUUID()]) {
      await expect(triage(cast.attorney_luis, id, { assignedTo: assignee })).rejects.toMatchObject({ code: "TS409", message: "review.errors.assignee" });
    }
    expect((await reportRow(id)).assigned_to).toBeNull();
    await triage(cast.attorney_luis, id, { assignedTo: colleague.id });
    expect((await reportRow(id)).assigned_to).toBe(colleague.id);
    await triage(cast.attorney_luis, id, { assignedTo: null });
    expect((await reportRow(id)).assigned_to).toBeNull();
    expect((await auditOf(id)).filter((e) => e.event === "assigned").map((e) => e.details)).toEqual([
      { from: null, to: colleague.id },
      { from: colleague.id, to: null },
    ]);
  });

  it("a report that does not exist is a 404", async () => {
    await expect(triage(cast.attorney_luis, crypto.randomUUID(), { status: "in_review" })).rejects.toMatchObject({ code: "TS404" });
    await expect(
      withUser(cast.attorney_luis.claims, (trx) => sql`select private.set_legal_hold(${crypto.randomUUID()}::uuid, true, 'x')`.execute(trx)),
    ).rejects.toMatchObject({ code: "TS404" });
  });
});

const nowLocal = () => {
  const d = new Date(Date.now() - 5 * 60_000);
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Chicago", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
};

describe("what triage changes", () => {
  it("starting review freezes the author's edits", async () => {
    const id = await reportIn("new");
    const edit = ReportSchema.parse({ clientUuid: crypto.randomUUID(), occurredAt: nowLocal(), crossStreets: "Cermak & Kedzie", narrative: "Corrected" });
    await updateReport(cast.observer_ana.claims, id, edit, "America/Chicago");
    // a verification alone starts review too
    await triage(cast.attorney_luis, id, { verification: "confirmed" });
    const row = await reportRow(id);
    expect(row.review_started_at).toBeInstanceOf(Date);
    expect(row.status).toBe("new");
    await expect(updateReport(cast.observer_ana.claims, id, { ...edit, narrative: "Sneaky" }, "America/Chicago")).rejects.toMatchObject({
      messageKey: "reports.errors.underReview",
    });
    const started = row.review_started_at!.getTime();
    await triage(cast.attorney_luis, id, { status: "in_review" });
    expect((await reportRow(id)).review_started_at!.getTime()).toBe(started);
  });

  it("each change writes its audit event, by the attorney, and an unchanged field none", async () => {
    const id = await reportIn("new");
    await triage(cast.attorney_luis, id, { status: "in_review", verification: "false_alarm", urgency: "low", assignedTo: cast.attorney_luis.id });
    await triage(cast.attorney_luis, id, { status: "in_review", verification: "false_alarm", urgency: "low", assignedTo: cast.attorney_luis.id });
    await withUser(cast.attorney_luis.claims, (trx) => sql`select private.set_legal_hold(${id}::uuid, true, '  Pending lawsuit  ')`.execute(trx));
    expect(await reportRow(id)).toMatchObject({ legal_hold: true, legal_hold_reason: "Pending lawsuit" });
    await withUser(cast.attorney_luis.claims, (trx) => sql`select private.set_legal_hold(${id}::uuid, false, 'ignored')`.execute(trx));
    expect(await reportRow(id)).toMatchObject({ legal_hold: false, legal_hold_reason: "" });

    const log = await auditOf(id);
    expect(log).toEqual([
      { event: "status_changed", actor_id: cast.attorney_luis.id, details: { from: "new", to: "in_review" } },
      { event: "verification_changed", actor_id: cast.attorney_luis.id, details: { from: "unconfirmed", to: "false_alarm" } },
      { event: "urgency_changed", actor_id: cast.attorney_luis.id, details: { from: "high", to: "low" } },
      { event: "assigned", actor_id: cast.attorney_luis.id, details: { from: null, to: cast.attorney_luis.id } },
      { event: "legal_hold", actor_id: cast.attorney_luis.id, details: { hold: true } },
      { event: "legal_hold", actor_id: cast.attorney_luis.id, details: { hold: false } },
    ]);
    // the reason (free text) is not copied into the log
    expect(JSON.stringify(log)).not.toContain("lawsuit");
    expect(await withSystem((trx) => verifyAuditChain(trx))).toMatchObject({ ok: true });
  });

  it("a change by the owner (a migration, a script) is in the log too, with no actor", async () => {
    const id = await reportIn("in_review");
    await withSystem((trx) => sql`update public.reports set urgency = 'critical' where id = ${id}::uuid`.execute(trx));
    expect((await auditOf(id)).at(-1)).toEqual({ event: "urgency_changed", actor_id: null, details: { from: "high", to: "critical" } });
  });
});
