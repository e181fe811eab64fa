import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, test, type Browser } from "@playwright/test";
import { DEMO, e2eSql, storageStateFor, type DemoRole } from "./helpers";
import { pdfPages } from "../setup/pdf";

test.describe.configure({ mode: "serial" });

// Reports straight into the database (how they are filed is tested in reports.spec.ts): one with
// two sealed photos and a sealed part, and two more that the CSV's filter must tell apart.
const MARK = `E2E-export-${Date.now().toString(36)}`;
const CIPHERTEXT = `CANARYciphertext${randomBytes(12).toString("hex")}`;
let reportId: string;
let matchingIds: string[];
let otherId: string;
const mediaHashes = [randomBytes(32).toString("hex"), randomBytes(32).toString("hex")];
const media: { id: string; storageKey: string }[] = [];

async function insertReport(author: string, values: { warrant: string; urgency: string; narrative: string; sealed?: boolean }) {
  const sealed = values.sealed ? JSON.stringify({ v: 1, alg: "x25519-xchacha20poly1305", nonce: "n", ciphertext: CIPHERTEXT, envelopes: [] }) : null;
  const [row] = await e2eSql<{ id: string }>(
    `insert into public.reports (client_uuid, author_id, occurred_at, cross_streets, location, location_accuracy_m, activities, agencies,
       warrant, urgency, narrative, sealed, sealed_detained)
     values ($1, $2, now() - interval '30 minutes', $3, '{"type":"Point","coordinates":[-87.69537,41.80512]}', 15, '{detaining}', '{ice_ero}',
       $4, $5, $6, $7, $8) returning id`,
    [randomUUID(), author, MARK, values.warrant, values.urgency, values.narrative, sealed, sealed ? 1 : 0],
  );
  return row!.id;
}

test.beforeAll(async () => {
  const [observer] = await e2eSql<{ id: string }>(`select id from public.profiles where email = $1`, [DEMO.observer]);
  reportId = await insertReport(observer!.id, { warrant: "judicial", urgency: "low", narrative: "Dos camionetas sin placas; el agente dijo «¿dónde está?»", sealed: true });
  // one medium sealed before finding 4 (its original's hash on the row, aad_v 1), one since (aad_v 2)
  for (const [i, sha256] of mediaHashes.entries()) {
    const storageKey = randomBytes(32).toString("hex");
    const [row] = await e2eSql<{ id: string }>(
      `insert into public.report_media (report_id, uploaded_by, aad_v, sha256, content_type, size_bytes, sealed, storage_key, nonce)
       values ($1, $2, $3, $4, 'image/jpeg', 123456, '{"v":1,"envelopes":[]}', $5, $6) returning id`,
      [reportId, observer!.id, i === 0 ? 1 : 2, i === 0 ? sha256 : null, storageKey, randomBytes(24).toString("base64url")],
    );
    media.push({ id: row!.id, storageKey });
  }
  const second = await insertReport(observer!.id, { warrant: "judicial", urgency: "low", narrative: "=HYPERLINK(\"http://evil.example\")" });
  matchingIds = [reportId, second];
  otherId = await insertReport(observer!.id, { warrant: "none", urgency: "low", narrative: "Not in the filter" });
});

// Other specs count reports and queue rows: leave none of ours behind (the audit log keeps its records).
test.afterAll(async () => {
  await e2eSql(`delete from public.reports where cross_streets = $1`, [MARK]);
});

async function contextFor(browser: Browser, role: DemoRole) {
  return browser.newContext({ storageState: storageStateFor(role), viewport: { width: 360, height: 800 } });
}

const pdfText = async (bytes: Uint8Array) => (await pdfPages(bytes)).join("\n");

/** The content hash as ADR 007 defines it, computed here independently from the stored row. */
async function expectedContentHash(id: string) {
  const fields = [
    "id", "client_uuid", "submitted_at", "occurred_at", "zone_id", "location", "location_accuracy_m", "cross_streets", "agent_count_min",
    "agents_possibly_more", "vehicle_count", "activities", "agencies", "masked", "vest_text", "equipment", "identified", "warrant", "home_entry",
    "consent_asked", "consent_given", "use_of_force", "injuries", "local_police_assisting", "officers", "vehicles", "narrative", "sealed",
    "sealed_detained", "sealed_witnesses",
  ];
  const [row] = await e2eSql<Record<string, unknown>>(
    `select r.*, to_char(r.submitted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as submitted_at,
       to_char(r.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_at
     from public.reports r where r.id = $1`,
    [id],
  );
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
          )
        : v;
  const picked = Object.fromEntries(fields.map((f) => [f, row![f]]));
  return createHash("sha256").update(JSON.stringify(sortKeys(picked)), "utf8").digest("hex");
}

test("an attorney downloads a report's declaration: it carries the content hash, each photo's id and stored hash, and who exported it", async ({ browser }) => {
  const context = await contextFor(browser, "attorney");
  const page = await context.newPage();
  await page.goto("/");
  // the lead's /review/<id> page links here; a plain link is what it renders
  await page.evaluate((href) => {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = "Declaration (PDF)";
    document.body.append(a);
  }, `/review/${reportId}/declaration.pdf`);
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Declaration (PDF)" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`testigo-declaration-${reportId.slice(0, 8)}.pdf`);
  const bytes = new Uint8Array(readFileSync((await file.path())!));
  const text = await pdfText(bytes);
  const contentHash = await expectedContentHash(reportId);
  expect(text).toContain("Declaration of the observer");
  expect(text).toContain(contentHash);
  // each medium by its id and the SHA-256 of what is stored; originals' hashes are shown on unsealing (finding 4)
  for (const m of media) expect(text).toContain(m.id);
  for (const m of media) expect(text).toContain(m.storageKey);
  for (const sha256 of mediaHashes) expect(text).not.toContain(sha256);
  expect(text).toContain(DEMO.attorney);
  expect(text).toMatch(/Page 1 of \d/);
  expect(text).toContain("«¿dónde está?»");
  expect(text).not.toContain(CIPHERTEXT);
  const events = await e2eSql<{ details: { format: string; content_sha256: string; pdf_sha256: string } }>(
    `select details from public.audit_events where report_id = $1 and event = 'exported' order by seq`,
    [reportId],
  );
  expect(events.map((e) => e.details)).toEqual([{ format: "pdf", content_sha256: contentHash, pdf_sha256: createHash("sha256").update(bytes).digest("hex") }]);
  await context.close();
});

test("an attorney downloads the filtered queue as CSV; observers and coordinators are refused both exports", async ({ browser }) => {
  const context = await contextFor(browser, "attorney");
  const response = await context.request.get("/review/export.csv?warrant=judicial&urgency=low&sort=newest");
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toBe("text/csv; charset=utf-8");
  expect(response.headers()["content-disposition"]).toMatch(/^attachment; filename="testigo-reports-\d{4}-\d{2}-\d{2}\.csv"$/);
  const body = await response.body();
  expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const csv = body.subarray(3).toString("utf8");
  const lines = csv.split("\r\n").filter(Boolean);
  expect(lines[0]).toMatch(/^"Report ID","Occurred at","Submitted at",/);
  // every row matches the filter; ours are there, the one outside it is not, nothing sealed is
  const ids = lines.slice(1).map((l) => /^"([0-9a-f-]{36})"/.exec(l)?.[1]).filter(Boolean);
  for (const id of matchingIds) expect(ids).toContain(id);
  expect(ids).not.toContain(otherId);
  expect(csv).not.toContain(CIPHERTEXT);
  expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
  const [{ n }] = (await e2eSql<{ n: string }>(`select count(*) as n from public.reports where warrant = 'judicial' and urgency = 'low'`)) as [{ n: string }];
  expect(ids).toHaveLength(Number(n));
  const [audit] = await e2eSql<{ details: { format: string; rows: number; filters: Record<string, unknown> } }>(
    `select details from public.audit_events where event = 'exported' and report_id is null order by seq desc limit 1`,
  );
  expect(audit!.details).toMatchObject({ format: "csv", rows: Number(n), filters: { warrant: "judicial", urgency: ["low"], sort: "newest" } });
  await context.close();

  for (const role of ["observer", "coordinator"] as const) {
    const other = await contextFor(browser, role);
    expect((await other.request.get(`/review/${reportId}/declaration.pdf`, { maxRedirects: 0 })).status(), role).toBe(403);
    expect((await other.request.get("/review/export.csv", { maxRedirects: 0 })).status(), role).toBe(403);
    await other.close();
  }
});
