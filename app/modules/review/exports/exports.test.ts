import { createHash } from "node:crypto";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser, type Trx } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { translatorFor } from "~/i18n/i18next.server";
import { sealJson } from "~/integrations/sealing";
import { addAddendum } from "~/modules/reports/reports.server";
import { loader as declarationLoader } from "~/routes/review.$id.declaration[.pdf]";
import { loader as csvLoader } from "~/routes/review.export[.csv]";
import { createCast, createPersona, type Persona } from "../../../../tests/setup/personas";
import { addSealedAddendum, addTestMedia, createTestReport, registerTestKey, triage, type TestKey } from "../../../../tests/setup/reports";
import { createTestZone } from "../../../../tests/setup/shifts";
import { pdfPages } from "../../../../tests/setup/pdf";
import { requestAs, statusOf } from "../../../../tests/setup/requests";
import { CSV_BATCH, CSV_COLUMNS, exportQueueCsv } from "./csv.server";
import { winAnsiSanitizer, wrapText } from "./declaration-pdf.server";
import { exportDeclaration } from "./declaration.server";
import { canonicalJson, CONTENT_HASH_FIELDS, reportContentHash, storedContentHash, type ContentHashRow } from "./hash.server";
import { parseQueueFilters } from "../queue.server";

let cast: Awaited<ReturnType<typeof createCast>>;
let key: TestKey;
let zoneId: string;
let reportId: string;
let media: { id: string; storage_key: string; original: string }[];
let en: Awaited<ReturnType<typeof translatorFor>>;

const LONG = Array.from({ length: 105 }, (_, i) => `Sentence ${i + 1}: agents moved along the block and spoke to people on the corner.`).join(" ");
const NARRATIVE = `Año: el agente dijo «¿dónde está?» y ¡corrió! Niño, pingüino. Emoji 🚓 and Cyrillic Жанна.\n\n${LONG}`;

beforeAll(async () => {
  cast = await createCast();
  en = await translatorFor("en");
  key = await registerTestKey(cast.attorney_luis);
  zoneId = await createTestZone("Exports zone");
  reportId = (await createTestReport(cast.observer_ana, { sealedTo: [key.recipient], narrative: NARRATIVE })).id;
  await withSystem((trx) =>
    trx
      .updateTable("reports")
      .set({
        zone_id: zoneId,
        officers: JSON.stringify([{ name: "Officer Ruiz", badge: "4411" }]),
        vehicles: JSON.stringify([{ make: "Ford Explorer", colour: "black", plate: "ABC-1234" }]),
        warrant: "administrative",
        use_of_force: "yes",
      })
      .where("id", "=", reportId)
      .execute(),
  );
  media = [];
  for (let i = 0; i < 2; i++) {
    const { id, sha256: original } = await addTestMedia(reportId, cast.observer_ana, [key.recipient]);
    const row = await withSystem((trx) => trx.selectFrom("report_media").select(["id", "storage_key"]).where("id", "=", id).executeTakeFirstOrThrow());
    media.push({ ...row, original });
  }
  await addAddendum(cast.observer_ana.claims, reportId, "I remembered the plate: ABC-1234.", null);
  await addSealedAddendum(cast.observer_ana, reportId, [key.recipient]);
});

const hashedRow = (id: string) => withUser(cast.attorney_luis.claims, (trx) => storedContentHash(trx, id));

async function rowOf(id: string): Promise<ContentHashRow> {
  const { rows } = await withSystem((trx: Trx) =>
    sql<ContentHashRow>`select r.*, to_char(r.submitted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as submitted_at,
      to_char(r.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_at
      from public.reports r where r.id = ${id}::uuid`.execute(trx),
  );
  return rows[0]!;
}

/** A value of the same kind that differs from `value`. */
function changed(value: unknown): unknown {
  if (value === null) return 1;
  if (typeof value === "string") return /Z$/.test(value) ? value.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10)) : `${value}x`;
  if (typeof value === "number") return value + 1;
  if (typeof value === "boolean") return !value;
  if (Array.isArray(value)) return [...value, "x"];
  return { ...(value as object), extra: 1 };
}

/** An independent reading of the documented definition: sort keys recursively, JSON.stringify, SHA-256. */
function documentedHash(row: ContentHashRow) {
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
  const picked = Object.fromEntries(CONTENT_HASH_FIELDS.map((f) => [f, row[f]]));
  return createHash("sha256").update(JSON.stringify(sortKeys(picked)), "utf8").digest("hex");
}

const pdfText = pdfPages;

async function auditEvents(reportId: string | null, since: number) {
  const { rows } = await withSystem((trx) =>
    sql<{ seq: string; event: string; actor_id: string; details: Record<string, unknown> }>`
      select seq, event, actor_id, details from public.audit_events
      where seq > ${since} and report_id is not distinct from ${reportId}::uuid and event = 'exported' order by seq`.execute(trx),
  );
  return rows;
}
const auditHead = async () =>
  Number((await withSystem((trx) => sql<{ seq: string }>`select coalesce(max(seq), 0) as seq from public.audit_events`.execute(trx))).rows[0]!.seq);

const luis = () => ({ claims: cast.attorney_luis.claims, displayName: "Luis Fernández", email: cast.attorney_luis.email });

describe("the content hash", () => {
  it("is canonical JSON: keys sorted at every depth, no whitespace, arrays in order", () => {
    expect(canonicalJson({ b: 1, a: [{ d: "é", c: null }, true], "": -0.5 })).toBe('{"":-0.5,"a":[{"c":null,"d":"é"},true],"b":1}');
    expect(() => canonicalJson({ at: new Date() })).toThrow(TypeError);
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
  });

  it("is stable, matches the documented definition, and refuses rows it cannot hash exactly", async () => {
    const row = await rowOf(reportId);
    expect(reportContentHash(row)).toMatch(/^[0-9a-f]{64}$/);
    expect(reportContentHash(row)).toBe(documentedHash(row));
    expect(await hashedRow(reportId)).toBe(reportContentHash(row));
    expect(await hashedRow(reportId)).toBe(await hashedRow(reportId));
    // key order of the input does not matter; extra columns (triage, timestamps of the row) do not count
    const shuffled = Object.fromEntries(Object.entries(row).reverse()) as ContentHashRow;
    expect(reportContentHash({ ...shuffled, status: "closed", urgency: "low" } as ContentHashRow)).toBe(reportContentHash(row));
    expect(() => reportContentHash({ ...row, submitted_at: new Date() })).toThrow(TypeError);
    const { narrative: _, ...missing } = row;
    expect(() => reportContentHash(missing as ContentHashRow)).toThrow(/narrative/);
  });

  it("changes when any hashed field changes", async () => {
    const row = await rowOf(reportId);
    const base = reportContentHash(row);
    for (const field of CONTENT_HASH_FIELDS) {
      expect(reportContentHash({ ...row, [field]: changed(row[field]) }), field).not.toBe(base);
    }
    // inside the sealed box: one character of ciphertext, one envelope
    const sealed = row.sealed as { ciphertext: string; envelopes: unknown[] };
    const flipped = `${sealed.ciphertext.slice(0, -1)}${sealed.ciphertext.endsWith("A") ? "B" : "A"}`;
    expect(reportContentHash({ ...row, sealed: { ...sealed, ciphertext: flipped } })).not.toBe(base);
    expect(reportContentHash({ ...row, sealed: { ...sealed, envelopes: sealed.envelopes.slice(1) } })).not.toBe(base);
  });

  it("in the database: triage leaves it alone; a changed P1 field or sealed box changes it", async () => {
    const { id } = await createTestReport(cast.observer_ana, { sealedTo: [key.recipient] });
    const before = await hashedRow(id);
    await triage(cast.attorney_luis, id, { status: "in_review", verification: "confirmed", urgency: "low", assignedTo: cast.attorney_luis.id });
    expect(await hashedRow(id)).toBe(before);
    await withSystem((trx) => trx.updateTable("reports").set({ injuries: "yes" }).where("id", "=", id).execute());
    const afterP1 = await hashedRow(id);
    expect(afterP1).not.toBe(before);
    await withSystem((trx) =>
      sql`update public.reports set sealed = jsonb_set(sealed, '{ciphertext}', to_jsonb('AAAA' || (sealed ->> 'ciphertext'))) where id = ${id}::uuid`.execute(trx),
    );
    expect(await hashedRow(id)).not.toBe(afterP1);
  });
});

describe("the declaration (PDF)", () => {
  it("wraps text within the width (cutting only words longer than a line) and replaces what WinAnsi cannot draw", async () => {
    const font = await (await PDFDocument.create()).embedFont(StandardFonts.Helvetica);
    const clean = winAnsiSanitizer(font);
    expect(clean("á é í ó ú ñ ü ¿ ¡ « » “ ” – — € …")).toBe("á é í ó ú ñ ü ¿ ¡ « » “ ” – — € …");
    expect(clean("a\u0301 ő ł 🚓 Жанна 中 x\u2212y\ttab\u0007bell")).toBe("á o ? ? ????? ? x-y    tabbell");
    const text = clean(`${LONG}\n\nSecond paragraph ${"z".repeat(400)} end`);
    const lines = wrapText(text, font, 10, 300);
    expect(lines.length).toBeGreaterThan(50);
    for (const line of lines) expect(font.widthOfTextAtSize(line, 10)).toBeLessThanOrEqual(300);
    expect(lines).toContain("");
    // nothing lost or reordered: only spaces at the breaks
    expect(lines.join("").replace(/\s/g, "")).toBe(text.replace(/\s/g, ""));
    expect(lines.filter((l) => /^z+$/.test(l)).length).toBeGreaterThanOrEqual(1);
  });

  it("parses, spans pages with numbers, and carries the content hash, every medium's id and stored hash, and the exporter", async () => {
    const since = await auditHead();
    const pdf = await exportDeclaration(luis(), reportId, "en");
    expect(pdf).not.toBeNull();
    const { bytes, contentSha256 } = pdf!;
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe("%PDF-");
    expect(contentSha256).toBe(await hashedRow(reportId));
    const pages = await pdfText(bytes);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    pages.forEach((text, i) => expect(text).toContain(`Page ${i + 1} of ${pages.length}`));
    const all = pages.join("\n").replace(/\n/g, " ");
    expect(all).toContain("Declaration of the observer");
    expect(all).toContain(reportId);
    expect(all).toContain(contentSha256);
    // Each medium by its id and the SHA-256 of the sealed file as stored; the original's hash is
    // sealed with it and shown on unsealing, never printed by the server (security review, finding 4).
    for (const m of media) {
      expect(all).toContain(m.id);
      expect(all).toContain(m.storage_key);
      expect(all).not.toContain(m.original);
    }
    expect(all).toContain("The SHA-256 of each original file is sealed with it and is shown on unsealing");
    expect(all).toContain("Luis Fernández <attorney_luis@test.example>");
    expect(all).toContain("RFC 8785");
    expect(all).toContain("Officer Ruiz, badge 4411");
    // The audit log's head as the declaration was made, kept outside the database (finding 13).
    const { rows: head } = await withSystem((trx) => sql<{ hash: string }>`select hash from public.audit_events where seq = ${since}`.execute(trx));
    expect(since).toBeGreaterThan(0);
    expect(all).toContain(`event ${since}, SHA-256 ${head[0]!.hash.match(/.{1,16}/g)!.join(" ")}`);
    expect(all).toContain("npm run audit:verify -- --head");
    expect(all).toContain("Administrative (I-200 or I-205, signed by ICE)");
    expect(all).toContain("I remembered the plate: ABC-1234.");
    expect(all).toMatch(/Sealed addendum at \d{4}-\d{2}-\d{2} /);
    expect(all).toContain("(1 detained person, 0 witnesses) are sealed to the legal team's keys. The server cannot read them, so they are omitted here.");
    expect(all).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{2}:\d{2} \(America\/Chicago\)/);
    // WinAnsi accents survive; an emoji and Cyrillic are replaced, not a crash
    expect(all).toContain("«¿dónde está?» y ¡corrió! Niño, pingüino.");
    expect(all).toContain("Emoji ? and Cyrillic ?????.");
    // the long narrative wraps onto the following pages, to its last sentence
    expect(all).toContain("Sentence 105:");
    // the sealed part is never printed (the server cannot read it)
    expect(all).not.toContain("Sealed Person");
    const events = await auditEvents(reportId, since);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_id: cast.attorney_luis.id, details: { format: "pdf", content_sha256: contentSha256 } });
    expect(events[0]!.details.pdf_sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  it("is in Spanish for a Spanish-speaking attorney", async () => {
    const pdf = await exportDeclaration(luis(), reportId, "es");
    const pages = await pdfText(pdf!.bytes);
    const all = pages.join("\n");
    expect(all).toContain("Declaración de la persona observadora");
    expect(all).toContain(`Página 1 de ${pages.length}`);
    expect(all).toContain("Anexo protegido del");
    expect(all.replace(/\n/g, " ")).toContain("El SHA-256 de cada archivo original está protegido junto con él y se muestra al abrir los datos protegidos");
  });

  it("a report nobody can read gives nothing and records nothing; for anyone but an attorney the audit refuses, so no PDF", async () => {
    const since = await auditHead();
    expect(await exportDeclaration(luis(), crypto.randomUUID(), "en")).toBeNull();
    // a coordinator does not read reports at all
    expect(await exportDeclaration({ ...luis(), claims: cast.coordinator_carmen.claims }, reportId, "en")).toBeNull();
    // the author reads their own report, but may not export it: the audit record fails, so no PDF
    await expect(exportDeclaration({ ...luis(), claims: cast.observer_ana.claims }, reportId, "en")).rejects.toMatchObject({ status: 403 });
    await expect(exportDeclaration({ ...luis(), claims: cast.observer_ana.claims }, reportId, "en")).rejects.toBeInstanceOf(DomainError);
    expect(await auditEvents(reportId, since)).toEqual([]);
  });
});

/** A minimal RFC 4180 reader: quoted cells, doubled quotes, newlines inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  expect(cell).toBe("");
  expect(row).toEqual([]);
  return rows;
}

/** The body as text with its byte-order mark kept (Response.text() would drop it). */
async function csvText(response: Response) {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(await response.arrayBuffer());
}

const csvHeaders = () => CSV_COLUMNS.map((c) => en(`evidence.csv.${c}`));

async function csvOf(persona: Persona, query: string) {
  const csv = await exportQueueCsv(persona.claims, parseQueueFilters(new URLSearchParams(query)), csvHeaders());
  return { ...csv, text: await csvText(new Response(csv.stream)) };
}

describe("the queue (CSV)", () => {
  let inReview: string[];
  let formula: string;

  beforeAll(async () => {
    inReview = [];
    for (let i = 0; i < 3; i++) {
      const { id } = await createTestReport(cast.observer_ana, { sealedTo: [key.recipient], narrative: i === 0 ? '=HYPERLINK("http://evil.example","click")' : `In review ${i}` });
      await triage(cast.attorney_luis, id, { status: "in_review" });
      inReview.push(id);
    }
    formula = inReview[0]!;
    await withSystem((trx) => trx.updateTable("reports").set({ cross_streets: "@SUM(A1:A9)", vest_text: "+1" }).where("id", "=", formula).execute());
  });

  it("has the filtered rows only, P0/P1 columns, no sealed data, formulas neutralised, and is audited with its row count", async () => {
    const since = await auditHead();
    const { text, rows } = await csvOf(cast.attorney_luis, "status=in_review&sort=newest&after=garbage");
    expect(text.startsWith("\ufeff")).toBe(true);
    const table = parseCsv(text.slice(1));
    expect(table[0]).toEqual(csvHeaders());
    const body = table.slice(1);
    expect(body.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    const { rows: expected } = await withSystem((trx) => sql<{ id: string }>`select id from public.reports where status = 'in_review' order by submitted_at desc, id desc`.execute(trx));
    expect(body.map((r) => r[0])).toEqual(expected.map((r) => r.id));
    expect(rows).toBe(expected.length);
    for (const id of inReview) expect(body.map((r) => r[0])).toContain(id);
    expect(body.map((r) => r[0])).not.toContain(reportId);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const evil = body.find((r) => r[0] === formula)!;
    expect(evil[col("narrative")]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(evil[col("crossStreets")]).toBe("'@SUM(A1:A9)");
    expect(evil[col("longitude")]).toBe("-87.69537"); // a number we print is never neutralised
    expect(evil[col("latitude")]).toBe("41.80512");
    expect(evil[col("status")]).toBe("in_review");
    expect(evil[col("sealedDetained")]).toBe("1");
    expect(evil[col("occurredAt")]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    // nothing of any sealed box: no ciphertext, no envelope, no key id
    const { rows: boxes } = await withSystem((trx) => sql<{ sealed: { ciphertext: string; envelopes: { keyId: string; wrapped: string }[] } }>`select sealed from public.reports where id in (${sql.join(inReview)})`.execute(trx));
    for (const { sealed } of boxes) {
      expect(text).not.toContain(sealed.ciphertext.slice(0, 24));
      for (const e of sealed.envelopes) expect(text).not.toContain(e.wrapped.slice(0, 24));
    }
    expect(text).not.toContain(key.keyId);
    expect(text).not.toContain("Sealed Person");
    const events = await auditEvents(null, since);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_id: cast.attorney_luis.id, details: { format: "csv", rows: expected.length, filters: { status: ["in_review"], sort: "newest" } } });
  });

  it("has officers and badges, vehicles and plates, vest text and the legal details, lists aligned in one cell each, formulas neutralised, never the sealed part", async () => {
    const canary = "P2-CANARY-Itzel-Tonantzin-5150";
    const { id, clientUuid } = await createTestReport(cast.observer_ana);
    const { sealed } = sealJson({ v: 1, detained: [{ name: canary, aNumber: canary }], witnesses: [{ name: canary, contact: canary }] }, [key.recipient], clientUuid);
    await withSystem((trx) =>
      trx
        .updateTable("reports")
        .set({
          zone_id: zoneId,
          sealed: JSON.stringify(sealed),
          sealed_detained: 1,
          sealed_witnesses: 1,
          officers: JSON.stringify([{ name: "=HYPERLINK(\"http://evil.example\")", badge: "4411" }, { name: "", badge: "77" }, { name: "", badge: "" }, { name: "Ortiz", badge: "" }]),
          vehicles: JSON.stringify([{ make: "Ford Explorer", colour: "black", plate: "+1 ABC-1234" }, { make: "", colour: "white", plate: "" }]),
          vest_text: "-POLICE ICE",
          masked: "yes",
          warrant: "judicial",
          home_entry: "yes",
          consent_asked: "no",
          consent_given: "unknown",
          use_of_force: "yes",
          injuries: "no",
          status: "in_review",
          review_started_at: sql<Date>`now()`,
        })
        .where("id", "=", id)
        .execute(),
    );
    const { text } = await csvOf(cast.attorney_luis, `zone=${zoneId}`);
    const table = parseCsv(text.slice(1));
    const row = table.find((r) => r[0] === id)!;
    const col = (name: (typeof CSV_COLUMNS)[number]) => row[CSV_COLUMNS.indexOf(name)];
    for (const c of ["officers", "badges", "vehicles", "plates", "vestText", "masked", "warrant", "homeEntry", "consentAsked", "consentGiven", "useOfForce", "injuries"] as const) {
      expect(table[0]![CSV_COLUMNS.indexOf(c)], c).toBe(en(`evidence.csv.${c}`));
    }
    // one entry per officer or vehicle that has anything, in order; "—" where a detail was not noted
    expect(col("officers")).toBe(`'=HYPERLINK("http://evil.example") | — | Ortiz`);
    expect(col("badges")).toBe("4411 | 77 | —");
    expect(col("vehicles")).toBe("Ford Explorer, black | white");
    expect(col("plates")).toBe("'+1 ABC-1234 | —");
    expect(col("vestText")).toBe("'-POLICE ICE");
    expect([col("masked"), col("warrant"), col("homeEntry"), col("consentAsked"), col("consentGiven"), col("useOfForce"), col("injuries")]).toEqual([
      "yes",
      "judicial",
      "yes",
      "no",
      "unknown",
      "yes",
      "no",
    ]);
    expect(col("sealedDetained")).toBe("1");
    expect(text).not.toContain(canary);
    expect(text).not.toContain(sealed.ciphertext.slice(0, 24));
    const ruiz = table.find((r) => r[0] === reportId)!;
    expect(["officers", "badges", "vehicles", "plates"].map((c) => ruiz[CSV_COLUMNS.indexOf(c as (typeof CSV_COLUMNS)[number])])).toEqual(["Officer Ruiz", "4411", "Ford Explorer, black", "ABC-1234"]);
    // a report with none: empty cells
    const { id: plainId } = await createTestReport(cast.observer_ana);
    const plain = parseCsv((await csvOf(cast.attorney_luis, "")).text.slice(1)).find((r) => r[0] === plainId)!;
    expect(["officers", "badges", "vehicles", "plates", "vestText"].map((c) => plain[CSV_COLUMNS.indexOf(c as (typeof CSV_COLUMNS)[number])])).toEqual(["", "", "", "", ""]);
  });

  it("admins export too (P0/P1 only); observers and coordinators may not", async () => {
    const { text, rows } = await csvOf(cast.admin_alma, "status=in_review");
    expect(rows).toBeGreaterThanOrEqual(3);
    expect(parseCsv(text.slice(1))).toHaveLength(rows + 1);
    await expect(csvOf(cast.observer_ana, "")).rejects.toMatchObject({ status: 403 });
    await expect(csvOf(cast.coordinator_carmen, "")).rejects.toMatchObject({ status: 403 });
  });

  it("walks every matching row exactly once across keyset batches, in each sort order, with ties in time", async () => {
    const n = CSV_BATCH * 2 + 37;
    const zone = await createTestZone("Bulk zone");
    await withSystem((trx) =>
      sql`insert into public.reports (client_uuid, author_id, zone_id, occurred_at, submitted_at, cross_streets, urgency)
          select gen_random_uuid(), ${cast.observer_ana.id}::uuid, ${zone}::uuid,
                 now() - interval '2 hours' + (i % 7) * interval '1 minute',
                 now() - interval '1 hour' + (i % 5) * interval '1 second',
                 'Bulk ' || i, (array['low','medium','high','critical'])[1 + i % 4]::public.report_urgency
          from generate_series(1, ${n}) i`.execute(trx),
    );
    for (const sort of ["urgency", "newest", "occurred"]) {
      const { text, rows } = await csvOf(cast.attorney_luis, `zone=${zone}&sort=${sort}`);
      const ids = parseCsv(text.slice(1))
        .slice(1)
        .map((r) => r[0]);
      expect(rows, sort).toBe(n);
      expect(ids, sort).toHaveLength(n);
      expect(new Set(ids).size, sort).toBe(n);
    }
  });
});

describe("the routes", () => {
  const declaration = (request: Request, id: string) => declarationLoader({ request, params: { id }, context: {} as never });
  const queue = (request: Request) => csvLoader({ request, params: {}, context: {} as never });

  it("the declaration: an attorney downloads it; a bad or unknown id is a 404; observers and coordinators get 403", async () => {
    const response = await declaration(await requestAs(cast.attorney_luis, `/review/${reportId}/declaration.pdf`), reportId);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/pdf");
    expect(response.headers.get("Content-Disposition")).toBe(`attachment; filename="testigo-declaration-${reportId.slice(0, 8)}.pdf"`);
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    const pages = await pdfText(new Uint8Array(await response.arrayBuffer()));
    expect(pages.join("\n")).toContain(await hashedRow(reportId));

    const spanish = await declaration(await requestAs(cast.attorney_luis, `/review/${reportId}/declaration.pdf`, { "Accept-Language": "es" }), reportId);
    expect((await pdfText(new Uint8Array(await spanish.arrayBuffer()))).join("\n")).toContain("Declaración");

    expect(await statusOf(declaration(await requestAs(cast.attorney_luis, "/review/nope/declaration.pdf"), "nope"))).toBe(404);
    const unknown = crypto.randomUUID();
    expect(await statusOf(declaration(await requestAs(cast.attorney_luis, `/review/${unknown}/declaration.pdf`), unknown))).toBe(404);
    expect(await statusOf(declaration(await requestAs(cast.observer_ana, `/review/${reportId}/declaration.pdf`), reportId))).toBe(403);
    expect(await statusOf(declaration(await requestAs(cast.coordinator_carmen, `/review/${reportId}/declaration.pdf`), reportId))).toBe(403);
    expect(await statusOf(declaration(await requestAs(cast.admin_alma, `/review/${reportId}/declaration.pdf`), reportId))).toBe(403);
    expect(await statusOf(declaration(await requestAs(null, `/review/${reportId}/declaration.pdf`), reportId))).toBe(302);
  });

  it("the CSV: attorneys and admins download it with translated headers; observers and coordinators get 403", async () => {
    const response = await queue(await requestAs(cast.admin_alma, "/review/export.csv?status=in_review", { "Accept-Language": "es" }));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment; filename="testigo-reports-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    const text = await csvText(response);
    expect(text.startsWith("\ufeff")).toBe(true);
    const table = parseCsv(text.slice(1));
    expect(table[0]![0]).toBe("ID del reporte");
    expect(table.slice(1).every((r) => r[CSV_COLUMNS.indexOf("status")] === "in_review")).toBe(true);
    expect((await queue(await requestAs(cast.attorney_luis, "/review/export.csv"))).status).toBe(200);
    expect(await statusOf(queue(await requestAs(cast.observer_ana, "/review/export.csv")))).toBe(403);
    expect(await statusOf(queue(await requestAs(cast.coordinator_carmen, "/review/export.csv")))).toBe(403);
  });

  it("a deactivated attorney's session no longer exports", async () => {
    const gone = await createPersona("exp_gone", ["attorney"]);
    const request = await requestAs(gone, `/review/${reportId}/declaration.pdf`);
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", gone.id).execute());
    expect(await statusOf(declaration(request, reportId))).toBe(302);
  });
});
