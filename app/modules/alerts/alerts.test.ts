import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { readAsPublic, sql, withSystem, withUser } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { createCast, type Persona } from "../../../tests/setup/personas";
import { createTestReport } from "../../../tests/setup/reports";
import { floorToQuarterHour } from "./alerts";
import { publishAlert, unpublishAlert, visibleAlerts } from "./alerts.server";

// Community alerts against the real database: what the trigger copies, when an alert shows (the
// database's now() decides), expiry, unpublishing and its audit, and who may do what (RLS), anon too.

let cast: Awaited<ReturnType<typeof createCast>>;
let zoneId: string;

beforeAll(async () => {
  cast = await createCast();
  zoneId = await withSystem(async (trx) => {
    const row = await trx
      .insertInto("zones")
      .values({ name: "Little Village", geometry: JSON.stringify({ type: "Polygon", coordinates: [[[-87.72, 41.84], [-87.7, 41.84], [-87.7, 41.86], [-87.72, 41.84]]] }) })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  });
});

/** A report verified as `verification`, its incident `ago` in the past (an SQL interval). */
async function report(verification: "unconfirmed" | "confirmed" | "false_alarm", ago: string, agencies = ["ice_ero", "unknown"]) {
  const { id } = await createTestReport(cast.observer_ana, { narrative: "Narrative that must never be public." });
  await withSystem((trx) =>
    sql`update public.reports set verification = ${verification}::public.report_verification, zone_id = ${zoneId}::uuid,
          occurred_at = now() - ${ago}::interval, agencies = ${`{${agencies.join(",")}}`}::text[], agent_count_min = 7
        where id = ${id}::uuid`.execute(trx),
  );
  return id;
}

const publish = (persona: Persona, reportId: string, text = "Agents were seen in the area this morning. Know your rights.", warningsConfirmed = false) =>
  publishAlert(persona.claims, reportId, { text, warningsConfirmed });

/** Moves an alert's times as if time had passed (the owner, past the trigger that allows only unpublishing). */
const moveAlert = (id: string, set: string) =>
  withSystem(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await sql.raw(`update public.community_alerts set ${set} where id = '${id}'`).execute(trx);
  });

const row = (id: string) =>
  withSystem((trx) => trx.selectFrom("community_alerts").selectAll().where("id", "=", id).executeTakeFirstOrThrow());
const visibleIds = async () => (await visibleAlerts()).map((a) => a.id);
const auditOf = (reportId: string) =>
  withSystem((trx) => trx.selectFrom("audit_events").select(["event", "actor_id", "details"]).where("report_id", "=", reportId).where("event", "like", "alert_%").orderBy("seq").execute());

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return { status: error.status, key: error.messageKey };
    return { code: (error as { code?: string }).code };
  }
  return "allowed";
}

describe("publishing", () => {
  it("copies only public facts, floors the time to 15 minutes, and audits", async () => {
    const reportId = await report("confirmed", "3 hours 7 minutes");
    const id = await publish(cast.attorney_luis, reportId);
    const alert = await row(id);
    const source = await withSystem((trx) => trx.selectFrom("reports").select(["occurred_at"]).where("id", "=", reportId).executeTakeFirstOrThrow());
    const occurred = new Date(source.occurred_at);
    expect(alert).toMatchObject({ kind: "confirmed", zone_name: "Little Village", agencies: ["ice_ero"], activities: ["detaining"], published_by: cast.attorney_luis.id });
    expect(new Date(alert.occurred_at).toISOString()).toBe(floorToQuarterHour(occurred).toISOString());
    // the delay counts from the exact time, not the floored one
    expect(new Date(alert.show_from).getTime()).toBe(occurred.getTime() + 60 * 60_000);
    expect(await auditOf(reportId)).toEqual([{ event: "alert_published", actor_id: cast.attorney_luis.id, details: { alert: id, kind: "confirmed" } }]);
    const [shown] = (await visibleAlerts()).filter((a) => a.id === id);
    // the public columns, and nothing else: no narrative, no place, no count of agents, no person
    expect(Object.keys(shown!).sort()).toEqual(["activities", "agencies", "id", "kind", "occurredAt", "publicText", "shownAt", "zoneName"]);
    expect(JSON.stringify(shown)).not.toMatch(/Narrative|Pulaski|41\.8|-87\.|observer_ana|attorney_luis/);
  });

  it("refuses a report that is not confirmed or a false alarm", async () => {
    const reportId = await report("unconfirmed", "2 hours");
    expect(await refusal(publish(cast.attorney_luis, reportId))).toEqual({ status: 409, key: "alerts.errors.notVerified" });
  });

  it("keeps one live alert per report", async () => {
    const reportId = await report("false_alarm", "5 minutes");
    await publish(cast.attorney_luis, reportId);
    expect(await refusal(publish(cast.coordinator_carmen, reportId))).toEqual({ status: 409, key: "alerts.errors.alreadyPublished" });
  });

  it("needs the publisher's confirmation for a phone number, an email or an address", async () => {
    const reportId = await report("false_alarm", "5 minutes");
    expect(await refusal(publish(cast.attorney_luis, reportId, "No agents at 1234 W 26th Street. Call (312) 555-0100."))).toEqual({ status: 400, key: "alerts.errors.confirmWarnings" });
    const id = await publish(cast.attorney_luis, reportId, "No agents at 1234 W 26th Street. Call (312) 555-0100.", true);
    expect((await row(id)).warnings_confirmed).toBe(true);
  });

  it("does not let the publisher write the facts: kind, zone and times are the database's", async () => {
    const reportId = await report("confirmed", "3 hours");
    expect(
      await refusal(withUser(cast.attorney_luis.claims, (trx) => sql`insert into public.community_alerts (report_id, public_text, kind) values (${reportId}::uuid, 'x', 'false_alarm')`.execute(trx))),
    ).toEqual({ code: "42501" });
    expect(
      await refusal(withUser(cast.attorney_luis.claims, (trx) => sql`insert into public.community_alerts (report_id, public_text, show_from) values (${reportId}::uuid, 'x', now())`.execute(trx))),
    ).toEqual({ code: "42501" });
  });
});

describe("when an alert shows", () => {
  it("hides a confirmed incident until the delay after it has passed, by the database's clock", async () => {
    const reportId = await report("confirmed", "10 minutes");
    const id = await publish(cast.attorney_luis, reportId);
    expect(await visibleIds()).not.toContain(id);
    // 51 more minutes pass, as far as this alert is concerned
    await moveAlert(id, "show_from = show_from - interval '51 minutes'");
    expect(await visibleIds()).toContain(id);
  });

  it("shows a false alarm at once", async () => {
    const reportId = await report("false_alarm", "1 minute");
    const id = await publish(cast.coordinator_carmen, reportId);
    expect(await visibleIds()).toContain(id);
  });

  it("follows the delay and expiry settings", async () => {
    await withSystem((trx) => sql`update public.org_settings set alert_delay_minutes = 5, alert_expiry_days = 2`.execute(trx));
    try {
      const reportId = await report("confirmed", "6 minutes");
      const id = await publish(cast.attorney_luis, reportId);
      expect(await visibleIds()).toContain(id);
      const alert = await row(id);
      const days = (new Date(alert.expires_at).getTime() - new Date(alert.published_at).getTime()) / 86_400_000;
      expect(days).toBeCloseTo(2, 3);
    } finally {
      await withSystem((trx) => sql`update public.org_settings set alert_delay_minutes = 60, alert_expiry_days = 7`.execute(trx));
    }
  });

  it("expires after the expiry time (7 days by default)", async () => {
    const reportId = await report("false_alarm", "1 minute");
    const id = await publish(cast.attorney_luis, reportId);
    const alert = await row(id);
    expect((new Date(alert.expires_at).getTime() - new Date(alert.show_from).getTime()) / 86_400_000).toBeCloseTo(7, 3);
    await moveAlert(id, "show_from = now() - interval '8 days', expires_at = now() - interval '1 second'");
    expect(await visibleIds()).not.toContain(id);
  });

  it("goes away when its report is no longer verified as it says", async () => {
    const reportId = await report("confirmed", "2 hours");
    const id = await publish(cast.attorney_luis, reportId);
    expect(await visibleIds()).toContain(id);
    await withSystem((trx) => sql`update public.reports set verification = 'unconfirmed' where id = ${reportId}::uuid`.execute(trx));
    expect(await visibleIds()).not.toContain(id);
  });

  it("carries the newest 50 at most", async () => {
    const rows = await readAsPublic<{ n: number }>("select count(*)::int as n from community.visible_alerts(1000)");
    expect(rows[0]!.n).toBeLessThanOrEqual(50);
  });
});

describe("unpublishing", () => {
  it("takes the alert down at once, once, and is audited", async () => {
    const reportId = await report("false_alarm", "1 minute");
    const id = await publish(cast.attorney_luis, reportId);
    expect(await visibleIds()).toContain(id);
    await unpublishAlert(cast.coordinator_carmen.claims, reportId, id);
    expect(await visibleIds()).not.toContain(id);
    const alert = await row(id);
    expect(alert.unpublished_by).toBe(cast.coordinator_carmen.id);
    expect(alert.public_text).toBe("Agents were seen in the area this morning. Know your rights.");
    expect((await auditOf(reportId)).map((e) => [e.event, e.actor_id])).toEqual([
      ["alert_published", cast.attorney_luis.id],
      ["alert_unpublished", cast.coordinator_carmen.id],
    ]);
    expect(await refusal(unpublishAlert(cast.attorney_luis.claims, reportId, id))).toEqual({ status: 409, key: "alerts.errors.alreadyUnpublished" });
    // a new alert may follow
    await publish(cast.attorney_luis, reportId, "Update: still no agents seen.");
  });
});

describe("row-level security", () => {
  type Who = "observer" | "coordinator" | "attorney" | "admin";
  const who = (w: Who) => ({ observer: cast.observer_oscar, coordinator: cast.coordinator_carmen, attorney: cast.attorney_luis, admin: cast.admin_alma })[w];

  it.each([
    ["attorney", "allowed"],
    ["coordinator", "allowed"],
    ["admin", "allowed"],
    ["observer", { status: 403, key: "errors.forbidden" }],
  ] as const)("%s publishing: %j", async (role, expected) => {
    const reportId = await report("false_alarm", "1 minute");
    const result = await refusal(publish(who(role), reportId));
    expect(result).toEqual(expected);
  });

  it.each([
    ["attorney", true],
    ["coordinator", true],
    ["admin", true],
    ["observer", false],
  ] as const)("%s reading the table and unpublishing: %s", async (role, may) => {
    const reportId = await report("false_alarm", "1 minute");
    const id = await publish(cast.attorney_luis, reportId);
    const seen = await withUser(who(role).claims, (trx) => trx.selectFrom("community_alerts").select("id").where("id", "=", id).execute());
    expect(seen.length).toBe(may ? 1 : 0);
    const result = await refusal(unpublishAlert(who(role).claims, reportId, id));
    expect(result).toEqual(may ? "allowed" : { status: 404, key: "errors.notFound" });
    expect((await row(id)).unpublished_at === null).toBe(!may);
  });

  it("nobody deletes an alert, not even its publisher", async () => {
    const reportId = await report("false_alarm", "1 minute");
    const id = await publish(cast.attorney_luis, reportId);
    expect(await refusal(withUser(cast.attorney_luis.claims, (trx) => sql`delete from public.community_alerts where id = ${id}::uuid`.execute(trx)))).toEqual({ code: "42501" });
  });

  it("anon cannot read, write or change the table, only run the public function", async () => {
    const reportId = await report("false_alarm", "1 minute");
    const id = await publish(cast.attorney_luis, reportId);
    const asAnon = (text: string) =>
      refusal(withSystem(async (trx) => {
        await sql`set local role anon`.execute(trx);
        return sql.raw(text).execute(trx);
      }));
    expect(await asAnon("select * from public.community_alerts")).toEqual({ code: "42501" });
    expect(await asAnon(`insert into public.community_alerts (report_id, public_text) values ('${reportId}', 'x')`)).toEqual({ code: "42501" });
    expect(await asAnon(`update public.community_alerts set unpublished_at = now() where id = '${id}'`)).toEqual({ code: "42501" });
    expect(await asAnon("select * from public.reports")).toEqual({ code: "42501" });
    expect(await asAnon("select * from community.visible_alerts(50)")).toBe("allowed");
    expect(await asAnon("select private.has_role('admin')")).toEqual({ code: "42501" });
    // the page's own path reads as anon, one transaction
    expect(await readAsPublic<{ role: string }>("select current_user::text as role")).toEqual([{ role: "anon" }]);
  });
});

describe("the public function", () => {
  it("is the only thing in its schema, runs as its owner with an empty search_path", async () => {
    const { rows } = await withSystem((trx) =>
      sql<{ name: string; definer: boolean; config: string[] | null }>`
        select p.proname as name, p.prosecdef as definer, p.proconfig as config
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'community'`.execute(trx),
    );
    expect(rows).toEqual([{ name: "visible_alerts", definer: true, config: ['search_path=""'] }]);
  });
});

describe("rounding to 15 minutes", () => {
  it("floors every time to its quarter hour (property)", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }), (date) => {
        const floored = floorToQuarterHour(date);
        expect(floored.getTime()).toBeLessThanOrEqual(date.getTime());
        expect(date.getTime() - floored.getTime()).toBeLessThan(15 * 60_000);
        expect(floored.getUTCSeconds() + floored.getUTCMilliseconds()).toBe(0);
        expect(floored.getUTCMinutes() % 15).toBe(0);
        expect(floorToQuarterHour(floored).getTime()).toBe(floored.getTime());
      }),
    );
  });

  it("agrees with the database's rounding", async () => {
    const dates = fc.sample(fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2040-01-01T00:00:00Z"), noInvalidDate: true }), 200);
    dates.push(new Date("2026-12-07T14:14:59.999Z"), new Date("2026-12-07T14:15:00.000Z"), new Date("2026-03-08T08:07:00Z"));
    const { rows } = await withSystem((trx) =>
      sql<{ at: Date }>`select date_bin('15 minutes', t, timestamptz '2000-01-01 00:00:00+00') as at
        from unnest(${dates.map((d) => d.toISOString())}::timestamptz[]) with ordinality as u(t, n) order by n`.execute(trx),
    );
    expect(rows.map((r) => new Date(r.at).toISOString())).toEqual(dates.map((d) => floorToQuarterHour(d).toISOString()));
  });
});
