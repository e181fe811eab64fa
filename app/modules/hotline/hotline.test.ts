import type { ActionFunctionArgs, AppLoadContext } from "@remix-run/node";
import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser, type Claims } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { openEnvelope, openJson, sealJson, validateSealedBox } from "~/integrations/sealing";
import { sessionCookie } from "~/modules/auth/cookies.server";
import { newSessionToken, sha256 } from "~/modules/auth/crypto.server";
import { dispatchAlertMail } from "~/modules/dispatch/dispatch-mail.server";
import { createDispatch, dispatchDetails, myDispatchAlerts, previewDispatch } from "~/modules/dispatch/dispatch.server";
import { pushMessage } from "~/modules/push/messages.server";
import { localDateTimeValue } from "~/modules/clock/format";
import { action as logCallAction } from "~/routes/hotline.new";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { createTestReport, registerTestKey, type TestKey } from "../../../tests/setup/reports";
import { dispatchToVerify, getIntake, linkReportToTip, listIntake, logCall, myTips, settleIntake } from "./hotline.server";
import { IntakeSchema, type IntakeInput } from "./schema";

// Hotline intake and verification (issue 19, items 1 and 2; docs/decisions/025-hotline-intake.md),
// against the real database as each role.

const TZ = "America/Chicago";
const HOME = { lat: 41.9005, lng: -87.6995 };
let cast: Awaited<ReturnType<typeof createCast>>;
let hilda: Persona;
let hugo: Persona;
let observer: Persona;
let bystander: Persona;
let key: TestKey;
let zoneId: string;
let n = 0;

async function createZone() {
  const [a, b] = [{ lat: 41.9, lng: -87.7 }, { lat: 41.901, lng: -87.699 }];
  const geometry = { type: "Polygon", coordinates: [[[a.lng, a.lat], [b.lng, a.lat], [b.lng, b.lat], [a.lng, b.lat], [a.lng, a.lat]]] };
  const row = await withSystem((trx) => trx.insertInto("zones").values({ name: `Hotline zone ${Date.now().toString(36)}`, geometry: JSON.stringify(geometry) }).returning("id").executeTakeFirstOrThrow());
  return row.id;
}

async function checkIn(person: Persona) {
  await withSystem(async (trx) => {
    const shift = await trx
      .insertInto("shifts")
      .values({ zone_id: zoneId, starts_at: sql<Date>`now() - interval '30 minutes'`, ends_at: sql<Date>`now() + interval '2 hours'`, capacity: 10 })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("shift_assignments")
      .values({ shift_id: shift.id, observer_id: person.id, status: "checked_in", claimed_at: sql<Date>`now() - interval '1 day'`, checked_in_at: sql<Date>`now() - interval '20 minutes'`, period: "empty" })
      .execute();
  });
}

const CANARY = "CANARY-CALLER-7d1f";

function intake(overrides: Record<string, unknown> = {}): IntakeInput {
  const parsed = IntakeSchema.safeParse({
    clientUuid: crypto.randomUUID(),
    narrative: `Caller says agents at the corner ${++n}`,
    occurredAt: localDateTimeValue(new Date(Date.now() - 10 * 60_000), TZ),
    activities: ["detaining"],
    agencies: ["ice_ero"],
    agentCountMin: "4",
    urgency: "critical",
    latitude: String(HOME.lat),
    longitude: String(HOME.lng),
    crossStreets: "Kedzie & Armitage",
    caller: { name: `${CANARY} Rosa`, callback: "312-555-0101" },
    named: [{ name: `${CANARY} Juan`, situation: "detained", details: "red jacket" }],
    ...overrides,
  });
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.data;
}

const denied = (fn: () => Promise<unknown>) => expect(fn()).rejects.toSatisfy((e: unknown) => e instanceof DomainError && (e.status === 403 || e.status === 404));
const rowsOf = (claims: Claims, id: string) => withUser(claims, (trx) => trx.selectFrom("reports").selectAll().where("id", "=", id).execute());

beforeAll(async () => {
  cast = await createCast();
  const tag = Date.now().toString(36);
  hilda = await createPersona(`hotline_hilda_${tag}`, ["hotline"]);
  hugo = await createPersona(`hotline_hugo_${tag}`, ["hotline"]);
  observer = await createPersona(`hotline_obs_${tag}`, ["observer"], { trainingDate: new Date().toISOString().slice(0, 10) });
  bystander = await createPersona(`hotline_bystander_${tag}`, ["observer"], { trainingDate: new Date().toISOString().slice(0, 10) });
  key = await registerTestKey(cast.attorney_luis);
  // Keys become recipients after a waiting period (ADR 018): make this one current.
  await withSystem((trx) => sql`update public.sealing_keys set created_at = now() - interval '3 days' where id = ${key.keyId}::uuid`.execute(trx));
  zoneId = await createZone();
  await checkIn(observer);
});

describe("the hotline role", () => {
  it("is a value of app_role, and an invitation may carry all five roles", async () => {
    const { rows } = await withSystem((trx) => sql<{ v: string }>`select unnest(enum_range(null::public.app_role))::text as v`.execute(trx));
    expect(rows.map((r) => r.v)).toContain("hotline");
    const five = await createPersona(`all_five_${Date.now().toString(36)}`, ["observer", "coordinator", "attorney", "hotline", "admin"]);
    const roles = await withSystem((trx) => trx.selectFrom("role_grants").select("role").where("user_id", "=", five.id).execute());
    expect(roles.map((r) => r.role).sort()).toEqual(["admin", "attorney", "coordinator", "hotline", "observer"]);
  });

  it("an admin grants it like any role; a coordinator may not invite a hotline volunteer", async () => {
    const target = await createPersona(`grant_hotline_${Date.now().toString(36)}`, ["observer"]);
    await withUser(cast.admin_alma.claims, (trx) => trx.insertInto("role_grants").values({ user_id: target.id, role: "hotline", granted_by: cast.admin_alma.id }).execute());
    await expect(
      withUser(cast.coordinator_carmen.claims, (trx) =>
        trx.insertInto("invitations").values({ email: `no_${Date.now()}@test.example`, roles: sql`'{hotline}'::public.app_role[]`, invited_by: cast.coordinator_carmen.id }).execute(),
      ),
    ).rejects.toMatchObject({ code: "42501" });
  });
});

describe("logging a call", () => {
  it("a hotline volunteer logs a call: no author, no shift, logged by them, source hotline, an unverified tip; P2 sealed on receipt", async () => {
    const input = intake();
    const { id, created } = await logCall(hilda.claims, input, TZ);
    expect(created).toBe(true);
    expect((await logCall(hilda.claims, input, TZ)).id).toBe(id);
    const row = await withSystem((trx) => trx.selectFrom("reports").selectAll().where("id", "=", id).executeTakeFirstOrThrow());
    expect(row).toMatchObject({ source: "hotline", logged_by: hilda.id, author_id: null, shift_id: null, verification: "unconfirmed", zone_id: zoneId, sealed_detained: 1 });
    expect(JSON.stringify(row)).not.toContain(CANARY);
    const box = validateSealedBox(row.sealed);
    const opened = openJson(box, openEnvelope(box, key.keyId, key.privateKey), input.clientUuid) as { caller: { name: string }; named: { name: string }[] };
    expect(opened.caller.name).toBe(`${CANARY} Rosa`);
    expect(opened.named[0]!.name).toBe(`${CANARY} Juan`);
  });

  it("takes a box sealed in the browser, and refuses one with plaintext beside it", async () => {
    const clientUuid = crypto.randomUUID();
    const box = sealJson({ v: 1, detained: [], witnesses: [], caller: { name: "x", callback: "y" }, named: [] }, [key.recipient], clientUuid).sealed;
    const sealedOnly = intake({ clientUuid, caller: undefined, named: undefined, sealed: JSON.stringify(box), sealedDetained: "0" });
    const { id } = await logCall(hilda.claims, sealedOnly, TZ);
    expect((await withSystem((trx) => trx.selectFrom("reports").select("sealed").where("id", "=", id).executeTakeFirstOrThrow())).sealed).toEqual(box);
    await expect(logCall(hilda.claims, intake({ sealed: JSON.stringify(box) }), TZ)).rejects.toMatchObject({ messageKey: "reports.errors.sealedAndPlain" });
  });

  it("observers, coordinators and attorneys cannot log a call (app and RLS)", async () => {
    for (const who of [observer, cast.coordinator_carmen, cast.attorney_luis]) {
      await expect(logCall(who.claims, intake(), TZ)).rejects.toMatchObject({ status: 403, messageKey: "hotline.errors.notHotline" });
    }
    const values = (logged_by: string, author_id: string | null) => ({
      client_uuid: crypto.randomUUID(), occurred_at: new Date(), cross_streets: "x", source: "hotline", logged_by, author_id,
    });
    await expect(withUser(observer.claims, (trx) => trx.insertInto("reports").values(values(observer.id, null)).execute())).rejects.toMatchObject({ code: "42501" });
    // A volunteer logs only as themselves, never with an author, and never files an observer's report.
    await expect(withUser(hilda.claims, (trx) => trx.insertInto("reports").values(values(hugo.id, null)).execute())).rejects.toMatchObject({ code: "42501" });
    await expect(withUser(hilda.claims, (trx) => trx.insertInto("reports").values(values(hilda.id, hilda.id)).execute())).rejects.toThrow();
    await expect(
      withUser(hilda.claims, (trx) => trx.insertInto("reports").values({ client_uuid: crypto.randomUUID(), occurred_at: new Date(), cross_streets: "x", author_id: hilda.id }).execute()),
    ).rejects.toMatchObject({ code: "42501" });
    // An observer cannot pass their report off as a call.
    await expect(
      withUser(observer.claims, (trx) => trx.insertInto("reports").values({ ...values(observer.id, observer.id), source: "hotline" }).execute()),
    ).rejects.toThrow();
  });

  it("/hotline/new's action: 403 for an observer, 400 with field errors for bad input, 303 for a volunteer", async () => {
    const context = { cspNonce: "test", clientKey: "hotline-test" } as unknown as AppLoadContext;
    const post = async (who: Persona, fields: Record<string, string>) => {
      const token = newSessionToken();
      await withSystem((trx) => trx.insertInto("private.sessions").values({ token_hash: sha256(token), user_id: who.id, expires_at: sql<Date>`now() + interval '1 day'` }).execute());
      const cookie = (await sessionCookie().serialize(token)).split(";")[0]!;
      const request = new Request("http://localhost/hotline/new", { method: "POST", headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields) });
      try {
        const result = (await logCallAction({ request, params: {}, context } as ActionFunctionArgs)) as unknown as { init: { status?: number } | null };
        return result.init?.status ?? 200;
      } catch (thrown) {
        if (thrown instanceof Response) return thrown.status;
        throw thrown;
      }
    };
    const good = { clientUuid: crypto.randomUUID(), narrative: "Agents at a house", occurredAt: localDateTimeValue(new Date(), TZ), crossStreets: "Kedzie & Armitage", "caller.name": CANARY };
    expect(await post(observer, good)).toBe(403);
    expect(await post(hilda, { ...good, crossStreets: "" })).toBe(400);
    expect(await post(hilda, good)).toBe(303);
  });
});

describe("who reads a logged call", () => {
  let mine: string;
  let hugos: string;
  let observers: string;
  beforeAll(async () => {
    mine = (await logCall(hilda.claims, intake(), TZ)).id;
    hugos = (await logCall(hugo.claims, intake(), TZ)).id;
    observers = (await createTestReport(observer, { sealedTo: [key.recipient], narrative: "observer narrative" })).id;
  });

  it("the volunteer who logged it reads every column (sealed only as ciphertext); not another volunteer's, not an observer's", async () => {
    const [row] = await rowsOf(hilda.claims, mine);
    expect(row).toMatchObject({ id: mine, narrative: expect.stringContaining("Caller says") });
    expect(JSON.stringify(row)).not.toContain(CANARY);
    expect(await rowsOf(hilda.claims, hugos)).toEqual([]);
    expect(await rowsOf(hilda.claims, observers)).toEqual([]);
  });

  it("the overview (like coordinators'), of every report, for volunteers, coordinators and attorneys; nothing for observers", async () => {
    for (const who of [hilda, cast.coordinator_carmen, cast.attorney_luis]) {
      const { rows } = await withUser(who.claims, (trx) => sql<Record<string, unknown>>`select * from public.report_overview where id in (${mine}::uuid, ${hugos}::uuid, ${observers}::uuid)`.execute(trx));
      expect(rows).toHaveLength(3);
      for (const r of rows) expect(Object.keys(r)).not.toEqual(expect.arrayContaining(["narrative"]));
      const intakes = await withUser(who.claims, (trx) => trx.selectFrom("intake_overview").select("id").where("id", "in", [mine, hugos, observers]).execute());
      expect(intakes.map((r) => r.id).sort()).toEqual([mine, hugos].sort());
    }
    for (const who of [observer]) {
      const { rows } = await withUser(who.claims, (trx) => sql`select id from public.report_overview where id = ${mine}::uuid`.execute(trx));
      expect(rows).toEqual([]);
      expect(await withUser(who.claims, (trx) => trx.selectFrom("intake_overview").select("id").execute())).toEqual([]);
      expect(await rowsOf(who.claims, mine)).toEqual([]);
    }
  });

  it("the list: newest first, filtered by verification; the page of one call shows the narrative only to whoever may read the report", async () => {
    const list = await listIntake(hilda.claims, { status: null, verification: "unconfirmed" });
    const ids = list.map((c) => c.id);
    expect(ids.indexOf(hugos)).toBeLessThan(ids.indexOf(mine));
    expect(list.find((c) => c.id === mine)?.mine).toBe(true);
    expect((await listIntake(hilda.claims, { status: null, verification: "confirmed" })).map((c) => c.id)).not.toContain(mine);
    expect((await getIntake(hilda.claims, mine)).narrative).toContain("Caller says");
    expect((await getIntake(hilda.claims, hugos)).narrative).toBeNull();
    expect((await getIntake(cast.coordinator_carmen.claims, mine)).narrative).toBeNull();
    await expect(getIntake(observer.claims, mine)).rejects.toMatchObject({ status: 404 });
    await expect(getIntake(hilda.claims, observers)).rejects.toMatchObject({ status: 404 });
  });
});

describe("verification: confirmed or false alarm, with a reason", () => {
  it("attorneys, coordinators and hotline volunteers settle a call; observers and admins-only cannot; the audit log has the reason", async () => {
    const id = (await logCall(hugo.claims, intake(), TZ)).id;
    await settleIntake(hilda.claims, id, "false_alarm", "Local police traffic stop");
    await settleIntake(cast.coordinator_carmen.claims, id, "confirmed", "Observer saw ERO vests");
    await settleIntake(cast.attorney_luis.claims, id, "false_alarm", "Video shows city police");
    await denied(() => settleIntake(observer.claims, id, "confirmed", "I saw it"));
    const row = await withSystem((trx) => trx.selectFrom("reports").select(["verification", "verification_reason", "verified_by"]).where("id", "=", id).executeTakeFirstOrThrow());
    expect(row).toEqual({ verification: "false_alarm", verification_reason: "Video shows city police", verified_by: cast.attorney_luis.id });
    const audit = await withSystem((trx) => trx.selectFrom("audit_events").select(["actor_id", "details"]).where("report_id", "=", id).where("event", "=", "verification_changed").orderBy("seq").execute());
    expect(audit).toEqual([
      { actor_id: hilda.id, details: { from: "unconfirmed", to: "false_alarm", reason: "Local police traffic stop" } },
      { actor_id: cast.coordinator_carmen.id, details: { from: "false_alarm", to: "confirmed", reason: "Observer saw ERO vests" } },
      { actor_id: cast.attorney_luis.id, details: { from: "confirmed", to: "false_alarm", reason: "Video shows city police" } },
    ]);
  });

  it("a reason is required, back to unverified is refused, the same verdict twice is refused, and an observer's report is not a call", async () => {
    const id = (await logCall(hilda.claims, intake(), TZ)).id;
    await expect(settleIntake(hilda.claims, id, "confirmed", "   ")).rejects.toMatchObject({ status: 400, messageKey: "hotline.errors.reasonRequired", field: "reason" });
    await expect(
      withUser(hilda.claims, (trx) => sql`select private.settle_intake(${id}::uuid, 'unconfirmed', 'why')`.execute(trx)),
    ).rejects.toMatchObject({ code: "TS400", message: "hotline.errors.verification" });
    await settleIntake(hilda.claims, id, "confirmed", "seen");
    await expect(settleIntake(hilda.claims, id, "confirmed", "seen again")).rejects.toMatchObject({ status: 409 });
    const observers = (await createTestReport(observer)).id;
    await expect(settleIntake(cast.attorney_luis.claims, observers, "confirmed", "x")).rejects.toMatchObject({ status: 404 });
    // Nobody writes the columns directly.
    await expect(withUser(hilda.claims, (trx) => trx.updateTable("reports").set({ verification: "confirmed" }).where("id", "=", id).execute())).rejects.toMatchObject({ code: "42501" });
  });
});

describe("dispatch to verify", () => {
  it("the volunteer who logged the call sends the observers on shift there, learns how many, never who", async () => {
    const id = (await logCall(hilda.claims, intake(), TZ)).id;
    const sent = await dispatchToVerify(hilda.claims, id, "Go see", crypto.randomUUID());
    expect(sent.recipients).toBe(1);
    const recipients = await withSystem((trx) => trx.selectFrom("dispatch_recipients").select("observer_id").where("dispatch_id", "=", sent.id).execute());
    expect(recipients.map((r) => r.observer_id)).toEqual([observer.id]);
    expect(await withUser(hilda.claims, (trx) => trx.selectFrom("dispatch_recipients").select("observer_id").execute())).toEqual([]);
    expect((await getIntake(hilda.claims, id)).dispatches.map((d) => d.id)).toEqual([sent.id]);
    // The observer got the alert like any dispatch's, and the live board the dispatch.
    const events = await withSystem((trx) => trx.selectFrom("live_events").select(["kind", "observer_id"]).where("at", ">", sql<Date>`now() - interval '1 minute'`).where("kind", "in", ["dispatch_created", "dispatch_alert"]).where(sql<boolean>`payload::text like ${`%${sent.id}%`}`).execute());
    expect(events.map((e) => `${e.kind}:${e.observer_id ?? ""}`).sort()).toEqual([`dispatch_alert:${observer.id}`, "dispatch_created:"]);
  });

  it("not to another volunteer's call, not to a point, no preview of who is on shift; coordinators to any call", async () => {
    const hugos = (await logCall(hugo.claims, intake(), TZ)).id;
    await denied(() => dispatchToVerify(hilda.claims, hugos, "", null));
    await denied(() => createDispatch(hilda.claims, { target: { kind: "point", ...HOME }, note: "", clientKey: null }));
    await denied(() => previewDispatch(hilda.claims, { kind: "report", reportId: hugos }));
    await denied(() => dispatchToVerify(observer.claims, hugos, "", null));
    expect((await dispatchToVerify(cast.coordinator_carmen.claims, hugos, "", null)).recipients).toBe(1);
  });
});

describe("who asked: the hotline or a coordinator (banner, live event, push, email, page)", () => {
  /** Everything the observer is told about one dispatch, in their language. */
  async function toldAbout(dispatchId: string, language: "en" | "es") {
    await withSystem((trx) => trx.updateTable("profiles").set({ preferred_language: language }).where("id", "=", observer.id).execute());
    const payload = { dispatch_id: dispatchId, observer_id: observer.id };
    const [mail, push, event] = await withSystem(async (trx) => [
      await dispatchAlertMail(trx, dispatchId, observer.id),
      await pushMessage(trx, { kind: "dispatch_alert", payload, tag: "t", urgent: true }, language),
      await trx.selectFrom("live_events").select("payload").where("kind", "=", "dispatch_alert").where("observer_id", "=", observer.id).where(sql<boolean>`payload ->> 'dispatch_id' = ${dispatchId}`).executeTakeFirstOrThrow(),
    ] as const);
    const banner = (await myDispatchAlerts(observer.claims)).alerts.find((a) => a.id === dispatchId);
    const page = await dispatchDetails(observer.claims, dispatchId, false);
    return { mail: mail!.text, push: push!.title, event: (event.payload as { asked_by?: string }).asked_by, banner: banner?.askedBy, page: page?.askedBy };
  }

  it("a volunteer's dispatch to verify says the hotline asked, in English and Spanish; a coordinator's says a coordinator", async () => {
    const call = (await logCall(hilda.claims, intake(), TZ)).id;
    const fromHotline = (await dispatchToVerify(hilda.claims, call, "", crypto.randomUUID())).id;
    const fromCoordinator = (await dispatchToVerify(cast.coordinator_carmen.claims, call, "", crypto.randomUUID())).id;

    const hotlineEn = await toldAbout(fromHotline, "en");
    expect(hotlineEn).toMatchObject({ event: "hotline", banner: "hotline", page: "hotline", push: "The hotline is asking you to check a call" });
    expect(hotlineEn.mail).toContain("The hotline got a call about");
    expect(hotlineEn.mail).not.toMatch(/coordinator/i);
    const hotlineEs = await toldAbout(fromHotline, "es");
    expect(hotlineEs.push).toBe("La línea de apoyo te pide verificar una llamada");
    expect(hotlineEs.mail).toContain("La línea de apoyo recibió una llamada sobre");
    expect(hotlineEs.mail).not.toMatch(/coordinador/i);

    const coordinatorEn = await toldAbout(fromCoordinator, "en");
    expect(coordinatorEn).toMatchObject({ event: "coordinator", banner: "coordinator", page: "coordinator", push: "A coordinator is asking you to go" });
    expect(coordinatorEn.mail).toContain("A coordinator is asking the observers checked in near");
    const coordinatorEs = await toldAbout(fromCoordinator, "es");
    expect(coordinatorEs.push).toBe("Un coordinador te pide que vayas");
    expect(coordinatorEs.mail).toContain("Un coordinador pide a los observadores");
  });
});

describe("an observer's report verifies a call", () => {
  it("the observer sent to verify links their own report (listed in their tips); the call counts it", async () => {
    const tip = (await logCall(hilda.claims, intake(), TZ)).id;
    await dispatchToVerify(hilda.claims, tip, "", null);
    expect((await myTips(observer.claims)).map((t) => t.reportId)).toContain(tip);
    expect(await myTips(bystander.claims)).toEqual([]);
    const report = (await createTestReport(observer)).id;
    await linkReportToTip(observer.claims, report, tip);
    expect((await getIntake(hilda.claims, tip)).verifyingReports).toBe(1);
    await linkReportToTip(observer.claims, report, null);
    expect((await getIntake(hilda.claims, tip)).verifyingReports).toBe(0);
  });

  it("not someone else's report, not to a call they were not sent to, not to an observer's report", async () => {
    const tip = (await logCall(hilda.claims, intake(), TZ)).id;
    await dispatchToVerify(hilda.claims, tip, "", null);
    const unsent = (await logCall(hilda.claims, intake(), TZ)).id;
    const mine = (await createTestReport(observer)).id;
    const theirs = (await createTestReport(bystander)).id;
    await expect(linkReportToTip(bystander.claims, mine, tip)).rejects.toMatchObject({ status: 404 });
    await expect(linkReportToTip(bystander.claims, theirs, tip)).rejects.toMatchObject({ status: 404, messageKey: "hotline.errors.notYourTip" });
    await expect(linkReportToTip(observer.claims, mine, unsent)).rejects.toMatchObject({ status: 404, messageKey: "hotline.errors.notYourTip" });
    await expect(linkReportToTip(observer.claims, mine, theirs)).rejects.toMatchObject({ status: 404 });
    await expect(linkReportToTip(hilda.claims, tip, tip)).rejects.toMatchObject({ status: 404 });
    const row = await withSystem((trx) => trx.selectFrom("reports").select("verifies_report").where("id", "in", [mine, theirs]).execute());
    expect(row.every((r) => r.verifies_report === null)).toBe(true);
  });
});
