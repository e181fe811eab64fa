import { createHash } from "node:crypto";
import type { TFunction } from "i18next";
import { sql, withUser, type Claims, type Trx } from "~/db/client.server";
import { DEFAULT_TIME_ZONE } from "~/modules/clock/org-clock";
import { domainErrorFrom } from "~/db/errors.server";
import { REVIEW_REFUSALS } from "../errors";
import { declarationPdf, type Declaration, type Point } from "./declaration-pdf.server";
import { reportContentHash, selectHashed } from "./hash.server";

// The declaration of one report for attorney review: read through RLS, printed as PDF
// (./declaration-pdf.server.ts) and audited before a byte leaves the server.

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

/**
 * The declaration of one report for the signed-in attorney, recorded in the audit log in the same
 * transaction: if the record cannot be written, no PDF is returned. Null when they cannot read it.
 */
export async function exportDeclaration(exporter: Exporter, id: string, t: TFunction, language: "en" | "es") {
  try {
    return await withUser(exporter.claims, async (trx) => {
      const data = await loadDeclaration(trx, id);
      if (!data) return null;
      const exportedAt = new Date();
      const bytes = new Uint8Array(await declarationPdf(data, { exporter, exportedAt, language }, t));
      const pdfSha256 = createHash("sha256").update(bytes).digest("hex");
      const details = { format: "pdf", content_sha256: data.report.contentSha256, pdf_sha256: pdfSha256 };
      await sql`select private.record_report_access(${id}::uuid, 'exported', ${JSON.stringify(details)}::jsonb)`.execute(trx);
      return { bytes, contentSha256: data.report.contentSha256, pdfSha256, filename: `testigo-declaration-${id.slice(0, 8)}.pdf` };
    });
  } catch (error) {
    throw domainErrorFrom(error, REVIEW_REFUSALS) ?? error;
  }
}
