import { expect, inject, it } from "vitest";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { DB } from "../../app/db/types";
import booleanPointInPolygon from "@turf/boolean-point-in-polygon";
import { openEnvelope, openJson, unwrapPrivateKey, validateSealedBox, validateWrappedPrivateKey } from "../../app/integrations/sealing";
import { DEMO_ATTORNEY_KEY } from "../../supabase/seed/keys";
import { DEMO_PEOPLE } from "../../supabase/seed/people";
import { DEMO_REPORT_COUNT } from "../../supabase/seed/reports";
import { DEMO_ZONES } from "../../supabase/seed/zones";
import { seedDemoData, seedIfEmpty } from "../../supabase/seed/index";
import { recreateDatabase, TEMPLATE_DB, urlFor } from "../setup/test-database";

it("seeds the demo accounts (one with the hotline role), shifts and reports once, and seeding again changes nothing", async () => {
  const name = `testigo_seed_${process.env.VITEST_POOL_ID}`;
  const serverUrl = inject("testServerUrl");
  await recreateDatabase(serverUrl, name, TEMPLATE_DB);
  const url = urlFor(serverUrl, name);

  expect(await seedIfEmpty(url)).toBe(true);
  expect(await seedIfEmpty(url)).toBe(false);
  await seedDemoData(url);

  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
  try {
    const rows = await db
      .selectFrom("profiles as p")
      .innerJoin("role_grants as g", "g.user_id", "p.id")
      .select(["p.email", "g.role", "p.deactivated_at"])
      .orderBy("p.email")
      .execute();
    expect(rows.map((r) => `${r.email}:${r.role}`).sort()).toEqual(DEMO_PEOPLE.map((p) => `${p.email}:${p.roles[0]}`).sort());
    expect(rows.every((r) => r.deactivated_at === null)).toBe(true);

    // two weeks of future shifts, some claimed by the demo observers, within capacity
    const shifts = await db.selectFrom("shifts").select(["starts_at", "capacity", "claimed_count"]).execute();
    expect(shifts.length).toBeGreaterThan(40);
    expect(shifts.every((s) => new Date(s.starts_at) > new Date() && new Date(s.starts_at) < new Date(Date.now() + 15 * 86_400_000))).toBe(true);
    expect(shifts.reduce((n, s) => n + s.claimed_count, 0)).toBeGreaterThanOrEqual(2);
    expect(shifts.every((s) => s.claimed_count <= s.capacity)).toBe(true);

    // about forty reports by the demo observers over three weeks, at every stage of review, seeded once
    const reports = await db
      .selectFrom("reports as r")
      .innerJoin("profiles as p", "p.id", "r.author_id")
      .leftJoin("zones as z", "z.id", "r.zone_id")
      .leftJoin("profiles as a", "a.id", "r.assigned_to")
      .select([
        "r.client_uuid", "p.email", "z.name as zone", "r.location", "r.occurred_at", "r.submitted_at", "r.status", "r.closed_at",
        "r.review_started_at", "r.urgency", "r.verification", "r.agencies", "r.narrative", "a.email as assignee", "r.sealed",
        "r.sealed_detained", "r.sealed_witnesses",
      ])
      .execute();
    expect(reports).toHaveLength(DEMO_REPORT_COUNT);
    expect(DEMO_REPORT_COUNT).toBeGreaterThanOrEqual(35);
    expect(new Set(reports.map((r) => r.email))).toEqual(new Set(["observer@example.org", "observer2@example.org"]));
    const now = Date.now();
    for (const r of reports) {
      expect(new Date(r.occurred_at).getTime()).toBeGreaterThan(now - 22 * 86_400_000);
      expect(new Date(r.occurred_at).getTime()).toBeLessThanOrEqual(new Date(r.submitted_at).getTime());
      expect(new Date(r.submitted_at).getTime()).toBeLessThanOrEqual(now);
      expect(r.narrative.length).toBeGreaterThan(100);
      expect(r.review_started_at === null).toBe(r.status === "new");
      const zone = DEMO_ZONES.find((z) => z.name === r.zone);
      expect(zone, `zone of ${r.client_uuid}`).toBeDefined();
      if (r.location) {
        const { coordinates } = r.location as { coordinates: [number, number] };
        expect(booleanPointInPolygon(coordinates, { type: "Polygon", coordinates: [[...zone!.ring, zone!.ring[0]!]] })).toBe(true);
      }
    }
    for (const status of ["new", "in_review", "follow_up", "referred", "closed"]) expect(reports.some((r) => r.status === status), status).toBe(true);
    expect(new Set(reports.map((r) => r.urgency)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(reports.map((r) => r.verification)).size).toBe(3);
    expect(new Set(reports.flatMap((r) => r.agencies)).size).toBeGreaterThanOrEqual(4);
    const closed = reports.filter((r) => r.status === "closed");
    expect(closed.length).toBeGreaterThanOrEqual(1);
    expect(closed.length).toBeLessThanOrEqual(3);
    expect(reports.filter((r) => r.assignee === "attorney@example.org").length).toBeGreaterThanOrEqual(3);

    // P2 sealed to the demo attorney's key only, as the report form seals it; the demo passphrase opens it
    const key = await db.selectFrom("sealing_keys").select(["id", "wrapped_private_key"]).where("kind", "=", "attorney").executeTakeFirstOrThrow();
    const sealed = reports.filter((r) => r.sealed !== null);
    expect(sealed.length).toBeGreaterThanOrEqual(10);
    expect(reports.filter((r) => r.sealed === null).every((r) => r.sealed_detained === 0 && r.sealed_witnesses === 0)).toBe(true);
    const privateKey = await unwrapPrivateKey(validateWrappedPrivateKey(key.wrapped_private_key), DEMO_ATTORNEY_KEY.passphrase);
    let detainedSeen = 0;
    for (const r of sealed) {
      const box = validateSealedBox(r.sealed);
      expect(box.envelopes.map((e) => e.keyId)).toEqual([key.id]);
      const opened = openJson(box, openEnvelope(box, key.id, privateKey), r.client_uuid) as {
        v: number;
        detained: Record<string, string>[];
        witnesses: Record<string, string>[];
      };
      expect(opened.v).toBe(1);
      expect(opened.detained).toHaveLength(r.sealed_detained);
      expect(opened.witnesses).toHaveLength(r.sealed_witnesses);
      for (const d of opened.detained) {
        expect(Object.keys(d)).toEqual(["name", "dateOfBirth", "countryOfBirth", "aNumber", "whereTaken", "familyContact", "consentToContact", "contactChannel", "contactLanguage"]);
        expect(Object.values(d).every((v) => typeof v === "string")).toBe(true);
        expect(d.name).not.toBe("");
        detainedSeen++;
      }
      for (const w of opened.witnesses) expect(Object.keys(w)).toEqual(["name", "contact", "hasVideo"]);
      // bound to its report: another report's client_uuid does not open it
      expect(() => openJson(box, openEnvelope(box, key.id, privateKey), sealed.find((o) => o !== r)!.client_uuid)).toThrow();
    }
    expect(detainedSeen).toBeGreaterThanOrEqual(5);

    // key transparency: the demo key went through private.register_attorney_key, so a fresh demo
    // database's audit log shows it (and the admin and attorney roles); it is long since active
    const events = await db
      .selectFrom("audit_events")
      .select(["event", "details"])
      .where("report_id", "is", null)
      .where("event", "in", ["role_granted", "key_registered"])
      .orderBy("seq")
      .execute();
    expect(events.map((e) => [e.event, (e.details as Record<string, unknown>).role ?? (e.details as Record<string, unknown>).fingerprint])).toEqual([
      ["role_granted", "admin"],
      ["role_granted", "attorney"],
      ["key_registered", DEMO_ATTORNEY_KEY.fingerprint.replaceAll(" ", "")],
    ]);
    const demoKey = await db.selectFrom("sealing_keys").select(["fingerprint", "active_from"]).where("id", "=", key.id).executeTakeFirstOrThrow();
    expect(demoKey.fingerprint).toBe(DEMO_ATTORNEY_KEY.fingerprint.replaceAll(" ", ""));
    expect(new Date(demoKey.active_from).getTime()).toBeLessThan(Date.now() - 29 * 86_400_000);
    // the seed-only path refuses outside the seed
    await expect(sql`select private.seed_key_long_active(${key.id}::uuid)`.execute(db)).rejects.toMatchObject({ code: "42501" });
  } finally {
    await db.destroy();
  }
});

it("refuses to seed in production", async () => {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await expect(seedDemoData("postgresql://unused")).rejects.toThrow(/never seeded/);
  } finally {
    process.env.NODE_ENV = previous;
  }
});

it("every demo zone outline is valid", async () => {
  const { DEMO_ZONES } = await import("../../supabase/seed/zones");
  const { validateZoneGeometry } = await import("../../app/modules/zones/geometry");
  for (const zone of DEMO_ZONES) {
    const result = validateZoneGeometry({ type: "Polygon", coordinates: [[...zone.ring, zone.ring[0]]] });
    expect(result.ok, zone.name).toBe(true);
  }
});
