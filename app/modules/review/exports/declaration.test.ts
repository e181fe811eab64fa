import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { sealJson } from "~/integrations/sealing";
import { addAddendum } from "~/modules/reports/reports.server";
import { action as formAction, loader as formLoader } from "~/routes/reports.$id.declaration";
import { loader as ownPdfLoader } from "~/routes/reports.$id.declaration[.pdf]";
import { createCast, createPersona, type Persona } from "../../../../tests/setup/personas";
import { pdfPages } from "../../../../tests/setup/pdf";
import { addTestMedia, createTestReport, registerTestKey, type TestKey } from "../../../../tests/setup/reports";
import { requestAs, statusOf } from "../../../../tests/setup/requests";
import { translatorFor } from "~/i18n/i18next.server";
import { declarationPdf, type Declaration } from "./declaration-pdf.server";
import { exportDeclaration, exportOwnDeclaration } from "./declaration.server";

// Issue 19, item 4: a declaration a court accepts (28 U.S.C. § 1746), read back from the PDF.

const PERJURY_EN = "I declare under penalty of perjury under the laws of the United States of America that the foregoing is true and correct.";
const PERJURY_ES = "Declaro bajo pena de perjurio conforme a las leyes de los Estados Unidos de America que lo anterior es verdadero y correcto.".replace("America", "América");
const CANARY = "P2-CANARY-Xochitl-Quetzal-8841";
const LONG = Array.from({ length: 60 }, (_, i) => `Sentence ${i + 1}: the agents walked the block and questioned people.`).join(" ");

let cast: Awaited<ReturnType<typeof createCast>>;
let ana: Persona;
let key: TestKey;
let reportId: string;
let othersReport: string;
let storedHashes: string[];

const anaAsAuthor = () => ({ claims: ana.claims, displayName: "observer_ana", email: ana.email });
const flat = (pages: string[]) => pages.join("\n").replace(/\n/g, " ");

async function auditOf(id: string) {
  const { rows } = await withSystem((trx) =>
    sql<{ actor_id: string; details: Record<string, string> }>`select actor_id, details from public.audit_events where report_id = ${id}::uuid and event = 'exported' order by seq`.execute(trx),
  );
  return rows;
}

beforeAll(async () => {
  cast = await createCast();
  ana = await createPersona(`decl_ana_${Date.now().toString(36)}`, ["observer"], { trainingDate: "2026-10-01" });
  key = await registerTestKey(cast.attorney_luis);
  const created = await createTestReport(ana, { sealedTo: [key.recipient], narrative: `Vi a tres agentes. ${LONG}` });
  reportId = created.id;
  // A canary in every sealed field: the server cannot read it, and no export may ever print it.
  const { sealed } = sealJson(
    { v: 1, detained: [{ name: CANARY, aNumber: "A-CANARY", familyContact: CANARY }], witnesses: [{ name: CANARY, contact: CANARY }] },
    [key.recipient],
    created.clientUuid,
  );
  await withSystem((trx) =>
    trx
      .updateTable("reports")
      .set({
        sealed: JSON.stringify(sealed),
        sealed_witnesses: 1,
        officers: JSON.stringify([{ name: "Officer Ruiz", badge: "4411" }]),
        vehicles: JSON.stringify([{ make: "Ford Explorer", colour: "black", plate: "ABC-1234" }]),
        vest_text: "POLICE ICE",
        warrant: "administrative",
      })
      .where("id", "=", reportId)
      .execute(),
  );
  storedHashes = [];
  for (let i = 0; i < 2; i++) {
    const { id } = await addTestMedia(reportId, ana, [key.recipient]);
    const row = await withSystem((trx) => trx.selectFrom("report_media").select("storage_key").where("id", "=", id).executeTakeFirstOrThrow());
    storedHashes.push(row.storage_key);
  }
  await addAddendum(ana.claims, reportId, "Recordé la placa: ABC-1234.", null);
  othersReport = (await createTestReport(cast.observer_oscar)).id;
});

describe("the declaration an observer signs", () => {
  it("in English: names the declarant, states § 1746, has the lines to sign, numbers every page of M, carries the hashes, never P2", async () => {
    const pdf = await exportOwnDeclaration(anaAsAuthor(), reportId, "en", { name: "Ana María López", place: "Chicago, Illinois", language: "en" });
    const pages = await pdfPages(pdf!.bytes);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    pages.forEach((text, i) => expect(text).toContain(`Page ${i + 1} of ${pages.length}`));
    expect(pages[0]).toContain("Declaration of Ana María López");
    expect(pages[0]).toContain("I, Ana María López, declare:");
    const all = flat(pages);
    expect(all).toContain(PERJURY_EN);
    expect(all).toContain("Executed on ______________________ at Chicago, Illinois.");
    for (const line of ["Signature of declarant", "Date", "Printed name", "Place of execution (city, state)"]) expect(all).toContain(line);
    expect(all).not.toContain("English translation");
    expect(all).not.toContain(PERJURY_ES);
    // the statement comes after the account (the foregoing), the record after the signature
    expect(all.indexOf(PERJURY_EN)).toBeGreaterThan(all.indexOf("Sentence 60:"));
    expect(all.indexOf("Record of this document (not part of the declaration)")).toBeGreaterThan(all.indexOf("Signature of declarant"));
    // the statement and the lines to sign are on one page
    expect(pages.find((p) => p.includes("I declare under penalty of perjury"))).toContain("Place of execution (city, state)");
    expect(all).toContain(pdf!.contentSha256);
    for (const hash of storedHashes) expect(all).toContain(hash);
    expect(all).toContain("Officer Ruiz, badge 4411");
    expect(all).toContain("Recordé la placa: ABC-1234.");
    expect(all).toContain("(1 detained person, 1 witness) are sealed to the legal team's keys. The server cannot read them, so they are omitted here.");
    expect(all).toContain(`observer_ana <${ana.email}>, the report's author`);
    expect(all).not.toContain(CANARY);
    expect(all).not.toContain("A-CANARY");
  });

  it("in Spanish: the Spanish declaration, then its English translation labelled as such, both with their statement; every page numbered in its language", async () => {
    const pdf = await exportOwnDeclaration(anaAsAuthor(), reportId, "es", { name: "Ana María López", place: null, language: "es" });
    const pages = await pdfPages(pdf!.bytes);
    const translationStart = pages.findIndex((p) => p.includes("English translation"));
    expect(translationStart).toBeGreaterThan(0);
    // the record, last, is in the language of whoever generated the file (here Spanish too)
    const spanishPage = (i: number) => i < translationStart || i === pages.length - 1;
    pages.forEach((text, i) => expect(text).toContain(spanishPage(i) ? `Página ${i + 1} de ${pages.length}` : `Page ${i + 1} of ${pages.length}`));
    for (const text of pages.slice(translationStart, -1)) expect(text).toContain("English translation · ");
    expect(pages[0]).toContain("Declaración de Ana María López");
    expect(pages[0]).toContain("Yo, Ana María López, declaro:");
    const spanish = flat(pages.slice(0, translationStart));
    const english = flat(pages.slice(translationStart));
    expect(spanish).toContain(PERJURY_ES);
    expect(spanish).toContain("Firmado el ______________________ en ________________________________ (ciudad, estado).");
    for (const line of ["Firma del declarante", "Fecha", "Nombre en letra de molde", "Lugar de firma (ciudad, estado)"]) expect(spanish).toContain(line);
    expect(spanish).not.toContain(PERJURY_EN);
    expect(english).toContain("Declaration of Ana María López");
    expect(english).toContain("This is the English translation of the declaration above, which the declarant makes in Spanish; the Spanish text is the original.");
    expect(english).toContain(PERJURY_EN);
    expect(english).toContain("Executed on ______________________ at ________________________________ (city, state).");
    expect(english).toContain("Signature of declarant");
    // the hashes in both, and the record (in the generator's language) last
    for (const text of [spanish, english]) {
      expect(text).toContain(pdf!.contentSha256);
      for (const hash of storedHashes) expect(text).toContain(hash);
    }
    expect(pages.at(-1)).toContain("Registro de este documento (no forma parte de la declaración)");
    expect(flat(pages)).not.toContain(CANARY);
  });

  it("is audited like an attorney's export, as the author's; another's report, or none, gives nothing and records nothing", async () => {
    const before = (await auditOf(reportId)).length;
    const pdf = await exportOwnDeclaration(anaAsAuthor(), reportId, "en", { name: "Ana", place: null, language: "en" });
    const events = await auditOf(reportId);
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toEqual({ actor_id: ana.id, details: { format: "pdf", by: "author", content_sha256: pdf!.contentSha256, pdf_sha256: pdf!.pdfSha256 } });
    const othersBefore = (await auditOf(othersReport)).length;
    expect(await exportOwnDeclaration(anaAsAuthor(), othersReport, "en", { name: "Ana", place: null, language: "en" })).toBeNull();
    // an attorney reads every report, but this door is the author's own
    expect(await exportOwnDeclaration({ ...anaAsAuthor(), claims: cast.attorney_luis.claims }, reportId, "en", { name: "Luis", place: null, language: "en" })).toBeNull();
    expect(await exportOwnDeclaration(anaAsAuthor(), crypto.randomUUID(), "en", { name: "Ana", place: null, language: "en" })).toBeNull();
    expect(await auditOf(othersReport)).toHaveLength(othersBefore);
    // and the database's own door refuses another's report as not found, even when called directly
    await expect(
      withSystem(async (trx) => {
        await sql`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(ana.claims)}, true)`.execute(trx);
        await sql`select private.record_own_declaration(${othersReport}::uuid, '{"format":"pdf"}'::jsonb)`.execute(trx);
      }),
    ).rejects.toThrow(/errors.notFound/);
  });

  it("the attorney's declaration has the same structure, with blank lines for the declarant the review does not name", async () => {
    const pdf = await exportDeclaration({ claims: cast.attorney_luis.claims, displayName: "Luis Fernández", email: cast.attorney_luis.email }, reportId, "en", "es");
    const pages = await pdfPages(pdf!.bytes);
    const all = flat(pages);
    expect(pages[0]).toContain("Declaración de la persona observadora");
    expect(pages[0]).toContain("Yo, ______________________________________________, declaro:");
    expect(all).toContain(PERJURY_ES);
    expect(all).toContain(PERJURY_EN);
    expect(all).toContain("I, ______________________________________________, declare:");
    expect(all).not.toContain("observer_ana");
    expect(all).not.toContain(ana.email);
    expect(all).toContain("Luis Fernández <attorney_luis@test.example>");
    pages.forEach((text, i) => expect(text).toMatch(new RegExp(`(Page|Página) ${i + 1} (of|de) ${pages.length}`)));
  });
});

describe("the layout", () => {
  it("never splits the statement from the lines to sign, wherever the account ends on the page", async () => {
    const translators = { en: await translatorFor("en"), es: await translatorFor("es") };
    const at = new Date("2026-12-01T15:30:00Z");
    const report = {
      id: crypto.randomUUID(),
      contentSha256: "0".repeat(64),
      occurredAt: at,
      submittedAt: at,
      zoneName: "Pilsen",
      crossStreets: "18th & Blue Island",
      location: null,
      accuracy: null,
      agentCountMin: 3,
      agentsPossiblyMore: false,
      vehicleCount: 1,
      activities: ["detaining"],
      agencies: ["ice_ero"],
      masked: "yes",
      vestText: "",
      equipment: "",
      identified: "no",
      warrant: "none",
      homeEntry: "no",
      consentAsked: "no",
      consentGiven: "no",
      useOfForce: "no",
      injuries: "no",
      localPoliceAssisting: "no",
      officers: [],
      vehicles: [],
      narrative: "",
      sealed: false,
      sealedDetained: 0,
      sealedWitnesses: 0,
      status: "new",
      verification: "unconfirmed",
      urgency: "medium",
      legalHold: false,
      reviewStartedAt: null,
      purgedAt: null,
    } satisfies Declaration["report"];
    const splits: number[] = [];
    // one more line of narrative each time walks the statement down through a page and over its end
    for (let lines = 0; lines < 60; lines += 2) {
      const data: Declaration = { report: { ...report, narrative: Array.from({ length: lines }, (_, i) => `Line ${i}.`).join("\n") }, addenda: [], media: [], orgName: "Testigo", timeZone: "America/Chicago", auditHead: null };
      const bytes = await declarationPdf(data, { generatedBy: { kind: "author", displayName: "Ana", email: "ana@example.org" }, exportedAt: at, language: "en", declarant: { name: "Ana", place: null, language: "en" } }, translators);
      const pages = await pdfPages(bytes);
      const statement = pages.find((p) => p.includes("I declare under penalty of perjury"))!;
      if (!statement.includes("Place of execution (city, state)") || !statement.includes("Signature of declarant")) splits.push(lines);
    }
    expect(splits).toEqual([]);
  });
});

describe("the observer's routes", () => {
  const form = (request: Request, id: string) => formLoader({ request, params: { id }, context: {} as never });
  const post = (request: Request, id: string) => formAction({ request, params: { id }, context: {} as never });
  const download = (request: Request, id: string) => ownPdfLoader({ request, params: { id }, context: {} as never });
  const path = (id: string) => `/reports/${id}/declaration`;

  it("the form starts from the profile's name; another's report, an unknown one or a bad id is a 404", async () => {
    expect(await form(await requestAs(ana, path(reportId)), reportId)).toMatchObject({ reportId, displayName: ana.email.split("@")[0] });
    expect(await statusOf(form(await requestAs(ana, path(othersReport)), othersReport))).toBe(404);
    expect(await statusOf(form(await requestAs(ana, path("nope")), "nope"))).toBe(404);
    expect(await statusOf(form(await requestAs(cast.attorney_luis, path(reportId)), reportId))).toBe(404);
    expect(await statusOf(form(await requestAs(null, path(reportId)), reportId))).toBe(302);
  });

  it("posting the form sends the PDF's address with the choices in a short-lived cookie; the PDF carries them and clears it", async () => {
    const response = (await post(await requestAs(ana, path(reportId), {}, { name: "Ana M. López", place: "Cicero, IL", language: "es" }), reportId)) as Response;
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe(`/reports/${reportId}/declaration.pdf`);
    const cookie = response.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(new RegExp(`Path=/reports/${reportId}/declaration.pdf`));
    expect(cookie).toMatch(/Max-Age=120/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).not.toContain("López"); // signed and encoded, not in the clear
    const pdf = await download(await requestAs(ana, `${path(reportId)}.pdf`, { Cookie: cookie.split(";")[0]! }), reportId);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("Content-Type")).toBe("application/pdf");
    expect(pdf.headers.get("Cache-Control")).toBe("private, no-store");
    expect(pdf.headers.get("Set-Cookie")).toMatch(/Max-Age=0/);
    const pages = await pdfPages(new Uint8Array(await pdf.arrayBuffer()));
    expect(pages[0]).toContain("Yo, Ana M. López, declaro:");
    expect(flat(pages)).toContain("at Cicero, IL.");
    // the profile keeps its name unless asked
    const profile = await withSystem((trx) => trx.selectFrom("profiles").select("display_name").where("id", "=", ana.id).executeTakeFirstOrThrow());
    expect(profile.display_name).not.toBe("Ana M. López");
  });

  it("saves the name to the profile only when asked", async () => {
    const response = (await post(await requestAs(ana, path(reportId), {}, { name: "Ana María López", language: "en", saveName: "on" }), reportId)) as Response;
    expect(response.status).toBe(303);
    const profile = await withSystem((trx) => trx.selectFrom("profiles").select("display_name").where("id", "=", ana.id).executeTakeFirstOrThrow());
    expect(profile.display_name).toBe("Ana María López");
  });

  it("bad input answers 400 with the field's error and what was typed; another's report is a 404 before anything", async () => {
    const result = await post(await requestAs(ana, path(reportId), {}, { name: "   ", place: "x".repeat(121), language: "fr" }), reportId);
    const { data, init } = result as unknown as { data: { result: { error: Record<string, string[]>; initialValue: Record<string, string> } }; init: { status: number } };
    expect(init.status).toBe(400);
    expect(data.result.error).toMatchObject({ name: ["declaration.errors.name"], place: ["declaration.errors.placeTooLong"], language: ["declaration.errors.language"] });
    expect(data.result.initialValue).toMatchObject({ place: "x".repeat(121) });
    expect(await statusOf(post(await requestAs(ana, path(othersReport), {}, { name: "Ana", language: "en" }), othersReport))).toBe(404);
  });

  it("the PDF: the author's own report without the form (the profile's name); another's report, or none, is a 404 and nothing is recorded", async () => {
    const before = (await auditOf(othersReport)).length;
    const own = await download(await requestAs(ana, `${path(reportId)}.pdf`), reportId);
    expect(own.status).toBe(200);
    expect((await pdfPages(new Uint8Array(await own.arrayBuffer())))[0]).toContain("I, Ana María López, declare:");
    expect(await statusOf(download(await requestAs(ana, `${path(othersReport)}.pdf`), othersReport))).toBe(404);
    const unknown = crypto.randomUUID();
    expect(await statusOf(download(await requestAs(ana, `${path(unknown)}.pdf`), unknown))).toBe(404);
    expect(await statusOf(download(await requestAs(cast.attorney_luis, `${path(reportId)}.pdf`), reportId))).toBe(404);
    expect(await statusOf(download(await requestAs(null, `${path(reportId)}.pdf`), reportId))).toBe(302);
    // a cookie made for another report is not taken
    const other = (await post(await requestAs(cast.observer_oscar, path(othersReport), {}, { name: "Oscar", language: "en" }), othersReport)) as Response;
    const wrong = await download(await requestAs(ana, `${path(reportId)}.pdf`, { Cookie: other.headers.get("Set-Cookie")!.split(";")[0]! }), reportId);
    expect((await pdfPages(new Uint8Array(await wrong.arrayBuffer())))[0]).not.toContain("Oscar");
    expect(await auditOf(othersReport)).toHaveLength(before);
  });
});
