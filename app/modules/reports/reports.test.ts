import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { generateKeyPair, openEnvelope, openJson, sealJson, toB64u, wrapPrivateKey, type SealedBox } from "~/integrations/sealing";
import { createCast, createPersona } from "../../../tests/setup/personas";
import { createTestZone } from "../../../tests/setup/shifts";
import { parseReport } from "./actions.server";
import { addAddendum, getReport, myReports, submitReport, updateReport } from "./reports.server";
import { ReportSchema, type ReportInput } from "./schema";

const TZ = "America/Chicago";
let cast: Awaited<ReturnType<typeof createCast>>;
let attorneyKey: ReturnType<typeof generateKeyPair>;
let keyId: string;
let zoneId: string;

beforeAll(async () => {
  cast = await createCast();
  zoneId = await createTestZone("Report zone"); // (-87.70..-87.69, 41.80..41.81)
  attorneyKey = generateKeyPair();
  const wrapped = await wrapPrivateKey(attorneyKey.privateKey, "correct horse", { N: 2 ** 10, r: 8, p: 1 });
  const { rows } = await withUser(cast.attorney_luis.claims, (trx) =>
    sql<{ id: string }>`select private.register_attorney_key(${toB64u(attorneyKey.publicKey)}, ${JSON.stringify(wrapped)}::jsonb) as id`.execute(trx),
  );
  keyId = rows[0]!.id;
});

const nowLocal = () => {
  const d = new Date(Date.now() - 5 * 60_000);
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
};

function input(overrides: Partial<Record<string, unknown>> = {}): ReportInput {
  return ReportSchema.parse({
    clientUuid: crypto.randomUUID(),
    occurredAt: nowLocal(),
    activities: ["detaining"],
    agencies: ["ice_ero"],
    agentCountMin: "4",
    urgency: "critical",
    latitude: "41.805",
    longitude: "-87.695",
    crossStreets: "26th & Pulaski",
    narrative: "Two unmarked SUVs.",
    ...overrides,
  });
}

const CANARY = "CANARY-Maria-Quispe-7731";

describe("submitting", () => {
  it("files once per client_uuid, whatever the number of tries, and derives the zone from the point", async () => {
    const report = input();
    const results = await Promise.all(Array.from({ length: 10 }, () => submitReport(cast.observer_ana.claims, report, TZ)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const { rows } = await withSystem((trx) => sql<{ n: number }>`select count(*)::int as n from public.reports where client_uuid = ${report.clientUuid}::uuid`.execute(trx));
    expect(rows[0]!.n).toBe(1);
    const saved = await getReport(cast.observer_ana.claims, results[0]!.id);
    expect(saved).toMatchObject({ zoneName: "Report zone", activities: ["detaining"], agentCountMin: 4, mine: true, sealed: false });
    void zoneId;
  });

  it("a point outside every zone is allowed; cross streets alone are enough", async () => {
    const outside = await submitReport(cast.observer_ana.claims, input({ latitude: "40.0", longitude: "-80.0" }), TZ);
    expect((await getReport(cast.observer_ana.claims, outside.id)).zoneName).toBeNull();
    const words = await submitReport(cast.observer_ana.claims, input({ latitude: "", longitude: "" }), TZ);
    expect((await getReport(cast.observer_ana.claims, words.id)).location).toBeNull();
    expect(ReportSchema.safeParse({ ...input(), latitude: undefined, longitude: undefined, crossStreets: "" }).success).toBe(false);
  });

  it("never lets someone else's client_uuid reveal or merge their report", async () => {
    const report = input();
    await submitReport(cast.observer_ana.claims, report, TZ);
    const other = await createPersona("rep_other", ["observer"], { trainingDate: "2026-10-01" });
    await expect(submitReport(other.claims, report, TZ)).rejects.toMatchObject({ status: 409, field: "clientUuid" });
  });

  it("without JavaScript, P2 typed in plain text is sealed on receipt and stored only as ciphertext", async () => {
    const report = input({
      detained: [{ name: CANARY, aNumber: "A-123-456-789", whereTaken: "Broadview", consentToContact: "yes" }, { name: "" }],
      witnesses: [{ name: `${CANARY}-witness`, contact: "555-0100", hasVideo: "yes" }],
    });
    const { id } = await submitReport(cast.observer_ana.claims, report, TZ);
    const { rows } = await withSystem((trx) => sql<{ row: string }>`select to_jsonb(r)::text as row from public.reports r where id = ${id}::uuid`.execute(trx));
    expect(rows[0]!.row).not.toContain("CANARY");
    expect(rows[0]!.row).not.toContain("123-456-789");
    const view = await getReport(cast.observer_ana.claims, id);
    expect(view).toMatchObject({ sealed: true, sealedDetained: 1, sealedWitnesses: 1 });
    // the attorney's key opens it
    const { rows: sealedRows } = await withSystem((trx) => sql<{ sealed: SealedBox }>`select sealed from public.reports where id = ${id}::uuid`.execute(trx));
    const box = sealedRows[0]!.sealed;
    const contentKey = openEnvelope(box, keyId, attorneyKey.privateKey);
    const opened = openJson(box, contentKey, report.clientUuid) as { detained: { name: string; aNumber: string }[]; witnesses: { name: string }[] };
    expect(opened.detained).toHaveLength(1);
    expect(opened.detained[0]).toMatchObject({ name: CANARY, aNumber: "A-123-456-789" });
    expect(opened.witnesses[0]!.name).toBe(`${CANARY}-witness`);
  });

  it("accepts a box sealed in the browser to current keys, and refuses one to unknown keys, malformed ones, or both at once", async () => {
    const clientUuid = crypto.randomUUID();
    const { sealed } = sealJson({ v: 1, detained: [{ name: "x" }], witnesses: [] }, [{ keyId, publicKey: attorneyKey.publicKey }], clientUuid);
    const ok = await submitReport(cast.observer_ana.claims, input({ clientUuid, sealed: JSON.stringify(sealed), sealedDetained: "1" }), TZ);
    expect((await getReport(cast.observer_ana.claims, ok.id)).sealedDetained).toBe(1);

    const stranger = generateKeyPair();
    const { sealed: foreign } = sealJson({ v: 1 }, [{ keyId: "00000000-0000-0000-0000-000000000000", publicKey: stranger.publicKey }], "x");
    await expect(submitReport(cast.observer_ana.claims, input({ sealed: JSON.stringify(foreign) }), TZ)).rejects.toMatchObject({ messageKey: "reports.errors.keysChanged" });
    await expect(submitReport(cast.observer_ana.claims, input({ sealed: "{not json" }), TZ)).rejects.toMatchObject({ messageKey: "reports.errors.sealedInvalid" });
    await expect(submitReport(cast.observer_ana.claims, input({ sealed: JSON.stringify({ v: 1, plaintext: "x" }) }), TZ)).rejects.toMatchObject({ status: 400 });
    await expect(
      submitReport(cast.observer_ana.claims, input({ sealed: JSON.stringify(sealed), detained: [{ name: "plain" }] }), TZ),
    ).rejects.toMatchObject({ messageKey: "reports.errors.sealedAndPlain" });
  });

  it("refuses a time in the future, and people who are not observers", async () => {
    await expect(submitReport(cast.observer_ana.claims, input({ occurredAt: "2099-01-01T10:00" }), TZ)).rejects.toMatchObject({ field: "occurredAt" });
    await expect(submitReport(cast.attorney_luis.claims, input(), TZ)).rejects.toMatchObject({ status: 403 });
    await expect(submitReport(cast.coordinator_carmen.claims, input(), TZ)).rejects.toMatchObject({ status: 403 });
  });
});

describe("who sees what", () => {
  let id: string;
  beforeAll(async () => {
    id = (await submitReport(cast.observer_ana.claims, input({ narrative: "Narrative for attorneys only", detained: [{ name: CANARY }] }), TZ)).id;
  });

  it("the author and attorneys read the report; other observers and coordinators do not", async () => {
    expect((await getReport(cast.attorney_luis.claims, id)).narrative).toBe("Narrative for attorneys only");
    const other = await createPersona("rep_peer", ["observer"], { trainingDate: "2026-10-01" });
    await expect(getReport(other.claims, id)).rejects.toMatchObject({ status: 404 });
    await expect(getReport(cast.coordinator_carmen.claims, id)).rejects.toMatchObject({ status: 404 });
    expect(await myReports(other.claims)).toEqual([]);
  });

  it("coordinators read P0 fields and the location through the overview, never the narrative", async () => {
    const rows = await withUser(cast.coordinator_carmen.claims, (trx) => sql<Record<string, unknown>>`select * from public.report_overview where id = ${id}::uuid`.execute(trx));
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toHaveProperty("location");
    expect(rows.rows[0]).not.toHaveProperty("narrative");
    expect(rows.rows[0]).not.toHaveProperty("sealed");
    expect(rows.rows[0]).not.toHaveProperty("officers");
    const observerRows = await withUser(cast.observer_ana.claims, (trx) => sql`select * from public.report_overview`.execute(trx));
    expect(observerRows.rows).toEqual([]);
    await expect(withUser(cast.coordinator_carmen.claims, (trx) => sql`select narrative from public.reports`.execute(trx))).resolves.toMatchObject({ rows: [] });
  });

  it("nobody reads a wrapped private key but its owner", async () => {
    await expect(withUser(cast.observer_ana.claims, (trx) => sql`select wrapped_private_key from public.sealing_keys`.execute(trx))).rejects.toMatchObject({ code: "42501" });
    const mine = await withUser(cast.attorney_luis.claims, (trx) => sql<{ id: string }>`select * from private.my_wrapped_key()`.execute(trx));
    expect(mine.rows.map((r) => r.id)).toEqual([keyId]);
    const theirs = await withUser(cast.observer_ana.claims, (trx) => sql`select * from private.my_wrapped_key()`.execute(trx));
    expect(theirs.rows).toEqual([]);
    await expect(
      withUser(cast.observer_ana.claims, (trx) => sql`select private.register_recovery_key('x')`.execute(trx)),
    ).rejects.toMatchObject({ code: "TS403" });
  });

  it("the author corrects the report until review starts; after that only addenda, which nobody else may add", async () => {
    await updateReport(cast.observer_ana.claims, id, input({ narrative: "Corrected", crossStreets: "26th & Pulaski" }), TZ);
    expect((await getReport(cast.observer_ana.claims, id)).narrative).toBe("Corrected");
    await withSystem((trx) => trx.updateTable("reports").set({ review_started_at: sql`now()` }).where("id", "=", id).execute());
    await expect(updateReport(cast.observer_ana.claims, id, input({ narrative: "Sneaky" }), TZ)).rejects.toMatchObject({ messageKey: "reports.errors.underReview" });
    await expect(
      withUser(cast.observer_ana.claims, (trx) => trx.updateTable("reports").set({ narrative: "Direct" }).where("id", "=", id).execute()),
    ).resolves.toMatchObject([{ numUpdatedRows: 0n }]);
    await addAddendum(cast.observer_ana.claims, id, "I remembered the plate", null);
    const other = await createPersona("rep_intruder", ["observer"], { trainingDate: "2026-10-01" });
    await expect(addAddendum(other.claims, id, "spam", null)).rejects.toMatchObject({ status: 404 });
    expect((await getReport(cast.observer_ana.claims, id)).addenda.map((a) => a.body)).toEqual(["I remembered the plate"]);
  });
});

describe("fuzzing the submit path", () => {
  it("garbage and oversized fields give field errors, never an unexpected error", async () => {
    const keys = ["clientUuid", "occurredAt", "activities", "agencies", "agentCountMin", "vehicleCount", "urgency", "latitude", "longitude", "accuracy", "crossStreets", "warrant", "masked", "narrative", "sealed", "detained[0].name", "detained[0].aNumber", "officers[0].badge", "sealedDetained"];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...keys), fc.oneof(fc.string(), fc.string({ minLength: 5000, maxLength: 20000 }), fc.constantFrom("", "-1", "1e309", "NaN", "0000-00-00T00:00", "2026-02-30T25:61", "<script>", "{}", "null"))), { maxLength: 25 }),
        fc.boolean(),
        async (entries, withBasics) => {
          const form = new FormData();
          if (withBasics) {
            form.set("clientUuid", crypto.randomUUID());
            form.set("occurredAt", nowLocal());
            form.set("crossStreets", "Somewhere");
          }
          for (const [k, v] of entries) form.append(k, v);
          const submission = parseReport(form);
          if (submission.status !== "success") {
            expect(submission.error && Object.keys(submission.error).length).toBeGreaterThan(0);
            return;
          }
          try {
            await submitReport(cast.observer_ana.claims, submission.value, TZ);
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("review findings", () => {
  it("seals only to active attorneys, refuses broken keys, and requires every key a recipient for over a day", async () => {
    const { registerAttorneyKey } = await import("./keys.server");
    const { sealingRecipients } = await import("./reports.server");
    const gone = await createPersona("att_gone", ["attorney"]);
    const goneKey = generateKeyPair();
    const wrapped = JSON.stringify(await wrapPrivateKey(goneKey.privateKey, "another long passphrase", { N: 2 ** 10, r: 8, p: 1 }));
    await registerAttorneyKey(gone.claims, toB64u(goneKey.publicKey), wrapped);
    expect((await sealingRecipients(cast.observer_ana.claims)).map((r) => r.publicKey)).toContain(toB64u(goneKey.publicKey));
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", gone.id).execute());
    expect((await sealingRecipients(cast.observer_ana.claims)).map((r) => r.publicKey)).not.toContain(toB64u(goneKey.publicKey));

    // an all-zero (low-order) point would break every later sealing: refused when registered
    await expect(registerAttorneyKey(cast.attorney_luis.claims, toB64u(new Uint8Array(32)), wrapped)).rejects.toMatchObject({ status: 400, messageKey: "keys.errors.publicKey" });

    // a box that leaves out a key older than a day is refused; a brand-new key may be missing
    const second = await createPersona("att_second", ["attorney"]);
    const secondKey = generateKeyPair();
    await registerAttorneyKey(second.claims, toB64u(secondKey.publicKey), wrapped);
    const clientUuid = crypto.randomUUID();
    const onlyFirst = sealJson({ v: 1, detained: [{ name: "x" }] }, [{ keyId, publicKey: attorneyKey.publicKey }], clientUuid).sealed;
    const ok = await submitReport(cast.observer_ana.claims, input({ clientUuid, sealed: JSON.stringify(onlyFirst), sealedDetained: "1" }), TZ);
    expect(ok.created).toBe(true);
    await withSystem((trx) => trx.updateTable("sealing_keys").set({ active_from: sql`now() - interval '2 days'` }).where("owner_id", "=", second.id).execute());
    const later = crypto.randomUUID();
    const stale = sealJson({ v: 1, detained: [{ name: "x" }] }, [{ keyId, publicKey: attorneyKey.publicKey }], later).sealed;
    await expect(submitReport(cast.observer_ana.claims, input({ clientUuid: later, sealed: JSON.stringify(stale), sealedDetained: "1" }), TZ)).rejects.toMatchObject({
      messageKey: "reports.errors.keysChanged",
    });
  });

  it("a NUL character in any form is a 400, not a database error", async () => {
    const { readForm } = await import("~/utils/form.server");
    const request = new Request("http://x/reports/new", { method: "POST", body: new URLSearchParams({ narrative: "a\u0000b" }) });
    await expect(readForm(request, 10_000)).rejects.toMatchObject({ status: 400 });
  });

  it("an addendum to a report that does not exist is a 404", async () => {
    await expect(addAddendum(cast.attorney_luis.claims, "00000000-0000-0000-0000-000000000000", "note", null)).rejects.toMatchObject({ status: 404 });
  });
});

describe("replacing an attorney key", () => {
  it("keeps the old wrapped key for its owner (active first) and the unwrapped key matches its public half", async () => {
    const { myWrappedKeys, registerAttorneyKey } = await import("./keys.server");
    const { publicKeyOf, unwrapPrivateKey, validateWrappedPrivateKey } = await import("~/integrations/sealing");
    const lawyer = await createPersona("att_replacer", ["attorney"]);
    const first = generateKeyPair();
    const second = generateKeyPair();
    const params = { N: 2 ** 10, r: 8, p: 1 };
    await registerAttorneyKey(lawyer.claims, toB64u(first.publicKey), JSON.stringify(await wrapPrivateKey(first.privateKey, "first passphrase!", params)));
    await registerAttorneyKey(lawyer.claims, toB64u(second.publicKey), JSON.stringify(await wrapPrivateKey(second.privateKey, "second passphrase", params)));
    const keys = await myWrappedKeys(lawyer.claims);
    expect(keys.map((k) => [k.public_key, k.revoked_at === null])).toEqual([
      [toB64u(second.publicKey), true],
      [toB64u(first.publicKey), false],
    ]);
    const old = await unwrapPrivateKey(validateWrappedPrivateKey(keys[1]!.wrapped_private_key), "first passphrase!");
    expect(toB64u(publicKeyOf(old))).toBe(toB64u(first.publicKey));
    expect(await myWrappedKeys(cast.observer_ana.claims)).toEqual([]);
  });
});

describe("reading forms", () => {
  it("caps what is actually received, also without a Content-Length", async () => {
    const { readForm } = await import("~/utils/form.server");
    const chunk = new TextEncoder().encode(`narrative=${"x".repeat(4096)}`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const chunked = new Request("http://x/reports/new", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expect(readForm(chunked, 16 * 1024)).rejects.toMatchObject({ status: 413 });
    const small = new Request("http://x/reports/new", { method: "POST", body: new URLSearchParams({ crossStreets: "26th & Pulaski" }) });
    expect((await readForm(small, 16 * 1024)).get("crossStreets")).toBe("26th & Pulaski");
  });
});
