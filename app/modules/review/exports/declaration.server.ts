import { createHash } from "node:crypto";
import { readAsUser, sql, withUser, type Claims, type Trx } from "~/db/client.server";
import { translatorFor } from "~/i18n/i18next.server";
import { DEFAULT_TIME_ZONE } from "~/modules/clock/org-clock";
import { domainErrorFrom } from "~/db/errors.server";
import { REVIEW_REFUSALS } from "../errors";
import { declarationPdf, type Declaration, type DeclarationMeta, type Language, type Point } from "./declaration-pdf.server";
import { reportContentHash, selectHashed } from "./hash.server";

// The declaration of one report: read through RLS, printed as PDF (./declaration-pdf.server.ts)
// and audited before a byte leaves the server. Attorneys export it for review; the report's author
// generates it to sign (issue 19, item 4; docs/decisions/027-a-declaration-a-court-accepts.md).

export interface Exporter {
  claims: Claims;
  displayName: string;
  email: string;
}

/** Everything the declaration prints about one report, read through RLS; null when not readable. */
export async function loadDeclaration(trx: Trx, id: string): Promise<Declaration | null> {
  const hashed = await selectHashed(trx).where("r.id", "=", id).executeTakeFirst();
  if (!hashed) return null;
  const [extra, addenda, media, org, anchor] = await Promise.all([
    trx
      .selectFrom("reports as r")
      .leftJoin("zones as z", "z.id", "r.zone_id")
      .select([
        "z.name as zone_name",
        "r.author_id",
        "r.occurred_at",
        "r.submitted_at",
        "r.status",
        "r.verification",
        "r.urgency",
        "r.legal_hold",
        "r.review_started_at",
        "r.purged_at",
      ])
      .where("r.id", "=", id)
      .executeTakeFirstOrThrow(),
    trx.selectFrom("report_addenda").select(["body", "sealed", "created_at", "author_id"]).where("report_id", "=", id).orderBy("created_at").orderBy("id").execute(),
    trx
      .selectFrom("report_media")
      .select(["id", "storage_key", "content_type", "size_bytes", "created_at"])
      .where("report_id", "=", id)
      .orderBy("created_at")
      .orderBy("id")
      .execute(),
    trx.selectFrom("org_settings").select(["name", "time_zone"]).executeTakeFirst(),
    // The audit log's head as this declaration is made (its own export event comes after it).
    sql<{ seq: string; hash: string }>`select seq::text as seq, hash from private.audit_anchor()`.execute(trx).then((r) => r.rows[0] ?? null),
  ]);
  const date = (value: Date | string) => new Date(value);
  return {
    report: {
      id: hashed.id,
      contentSha256: reportContentHash(hashed),
      occurredAt: date(extra.occurred_at),
      submittedAt: date(extra.submitted_at),
      zoneName: extra.zone_name,
      crossStreets: hashed.cross_streets,
      location: hashed.location as Point | null,
      accuracy: hashed.location_accuracy_m,
      agentCountMin: hashed.agent_count_min,
      agentsPossiblyMore: hashed.agents_possibly_more,
      vehicleCount: hashed.vehicle_count,
      activities: hashed.activities,
      agencies: hashed.agencies,
      masked: hashed.masked,
      vestText: hashed.vest_text,
      equipment: hashed.equipment,
      identified: hashed.identified,
      warrant: hashed.warrant,
      homeEntry: hashed.home_entry,
      consentAsked: hashed.consent_asked,
      consentGiven: hashed.consent_given,
      useOfForce: hashed.use_of_force,
      injuries: hashed.injuries,
      localPoliceAssisting: hashed.local_police_assisting,
      officers: (hashed.officers ?? []) as Declaration["report"]["officers"],
      vehicles: (hashed.vehicles ?? []) as Declaration["report"]["vehicles"],
      narrative: hashed.narrative,
      sealed: hashed.sealed !== null,
      sealedDetained: hashed.sealed_detained,
      sealedWitnesses: hashed.sealed_witnesses,
      status: extra.status,
      verification: extra.verification,
      urgency: extra.urgency,
      legalHold: extra.legal_hold,
      reviewStartedAt: extra.review_started_at ? date(extra.review_started_at) : null,
      purgedAt: extra.purged_at ? date(extra.purged_at) : null,
    },
    addenda: addenda.map((a) => ({
      body: a.body,
      sealed: a.sealed !== null,
      createdAt: date(a.created_at),
      byAuthor: a.author_id !== null && a.author_id === extra.author_id,
    })),
    // What is stored, never an original's hash (security review, finding 4): the file store is
    // content-addressed, so a medium's storage key is the SHA-256 of its sealed file as stored.
    media: media.map((m) => ({ id: m.id, storedSha256: m.storage_key, contentType: m.content_type, sizeBytes: Number(m.size_bytes), createdAt: date(m.created_at) })),
    orgName: org?.name ?? "Testigo",
    auditHead: anchor ? { seq: Number(anchor.seq), hash: anchor.hash } : null,
    timeZone: org?.time_zone ?? DEFAULT_TIME_ZONE,
  };
}

/** The declarant's choices: their name (null: blank lines), where they sign, their language. */
export type Declarant = DeclarationMeta["declarant"];

async function printed(data: Declaration, meta: DeclarationMeta, id: string) {
  const [en, es] = await Promise.all([translatorFor("en"), translatorFor("es")]);
  const bytes = new Uint8Array(await declarationPdf(data, meta, { en, es }));
  const pdfSha256 = createHash("sha256").update(bytes).digest("hex");
  const details = { format: "pdf", content_sha256: data.report.contentSha256, pdf_sha256: pdfSha256 };
  return { bytes, details, contentSha256: data.report.contentSha256, pdfSha256, filename: `testigo-declaration-${id.slice(0, 8)}.pdf` };
}

/**
 * The declaration of one report for the signed-in attorney, recorded in the audit log in the same
 * transaction: if the record cannot be written, no PDF is returned. Null when they cannot read it.
 * The review never names a report's author to an attorney (their profile is not theirs to read),
 * so the declarant's name and place are blank lines; the declarant's language is the attorney's
 * choice.
 */
export async function exportDeclaration(exporter: Exporter, id: string, language: Language, declarantLanguage: Language = language) {
  try {
    return await withUser(exporter.claims, async (trx) => {
      const data = await loadDeclaration(trx, id);
      if (!data) return null;
      const meta: DeclarationMeta = {
        generatedBy: { kind: "attorney", displayName: exporter.displayName, email: exporter.email },
        exportedAt: new Date(),
        language,
        declarant: { name: null, place: null, language: declarantLanguage },
      };
      const pdf = await printed(data, meta, id);
      await sql`select private.record_report_access(${id}::uuid, 'exported', ${JSON.stringify(pdf.details)}::jsonb)`.execute(trx);
      return pdf;
    });
  } catch (error) {
    throw domainErrorFrom(error, REVIEW_REFUSALS) ?? error;
  }
}

/**
 * The declaration of the author's own report, to sign: what the author reads of it through RLS
 * (never the sealed part, which the server cannot read), with the name and place they chose.
 * Audited in the same transaction, like an attorney's export. Null for any report not theirs,
 * whether it exists or not.
 */
export async function exportOwnDeclaration(author: Exporter, id: string, language: Language, declarant: Declarant) {
  try {
    return await withUser(author.claims, async (trx) => {
      const mine = await trx.selectFrom("reports").select("id").where("id", "=", id).where("author_id", "=", author.claims.sub).executeTakeFirst();
      if (!mine) return null;
      const data = await loadDeclaration(trx, id);
      if (!data) return null;
      const meta: DeclarationMeta = { generatedBy: { kind: "author", displayName: author.displayName, email: author.email }, exportedAt: new Date(), language, declarant };
      const pdf = await printed(data, meta, id);
      await sql`select private.record_own_declaration(${id}::uuid, ${JSON.stringify(pdf.details)}::jsonb)`.execute(trx);
      return pdf;
    });
  } catch (error) {
    throw domainErrorFrom(error, REVIEW_REFUSALS) ?? error;
  }
}

/**
 * What the declaration form of the author's own report starts from: their name as in their profile
 * and their language. Null for any report that is not theirs, whether it exists or not.
 */
export async function ownDeclarationStart(claims: Claims, id: string) {
  return readAsUser(claims, async (trx) => {
    const row = await trx
      .selectFrom("reports as r")
      .innerJoin("profiles as p", "p.id", "r.author_id")
      .select(["r.id", "r.occurred_at", "p.display_name", "p.preferred_language"])
      .where("r.id", "=", id)
      .where("r.author_id", "=", claims.sub)
      .executeTakeFirst();
    return row ? { reportId: row.id, occurredAt: new Date(row.occurred_at).toISOString(), displayName: row.display_name, language: row.preferred_language } : null;
  });
}

/** The declarant's name, saved to their own profile when they ask for it. */
export async function saveDeclarantName(claims: Claims, name: string) {
  await withUser(claims, (trx) => trx.updateTable("profiles").set({ display_name: name }).where("id", "=", claims.sub).execute());
}

/** The PDF as a download: an attachment, never cached, never sniffed. */
export function declarationResponse(pdf: { bytes: Uint8Array<ArrayBuffer>; filename: string }, headers: Record<string, string> = {}) {
  return new Response(pdf.bytes, {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Length": String(pdf.bytes.byteLength),
      "Content-Disposition": `attachment; filename="${pdf.filename}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
      ...headers,
    },
  });
}
