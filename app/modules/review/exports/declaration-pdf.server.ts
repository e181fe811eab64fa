import { createHash } from "node:crypto";
import { TZDate } from "@date-fns/tz";
import { format } from "date-fns";
import type { TFunction } from "i18next";
import type { SelectQueryBuilder } from "kysely";
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from "pdf-lib";
import { sql, withUser, type Claims, type Trx } from "~/db/client.server";
import { csvRow, CSV_BOM } from "~/utils/csv";
import { asReviewError } from "../errors";
import { applyFilters, type QueueFilters } from "../queue.server";

// Evidence exports for attorney review: a PDF declaration of one report and a CSV of the queue.
// Neither ever contains sealed content: the server cannot read it. Both are audited before a byte
// leaves the server.

// The content hash ---------------------------------------------------------------------------

/**
 * The report columns the content hash covers, exactly as stored: the observer's P0/P1 account,
 * the sealed box (ciphertext and key envelopes) and its counts, and what binds them to this report
 * (id, client_uuid, submitted_at). Triage (urgency, status, verification, assignment, hold) and
 * addenda are not part of it: a colleague's triage never changes the hash of the account.
 */
export const CONTENT_HASH_FIELDS = [
  "id",
  "client_uuid",
  "submitted_at",
  "occurred_at",
  "zone_id",
  "location",
  "location_accuracy_m",
  "cross_streets",
  "agent_count_min",
  "agents_possibly_more",
  "vehicle_count",
  "activities",
  "agencies",
  "masked",
  "vest_text",
  "equipment",
  "identified",
  "warrant",
  "home_entry",
  "consent_asked",
  "consent_given",
  "use_of_force",
  "injuries",
  "local_police_assisting",
  "officers",
  "vehicles",
  "narrative",
  "sealed",
  "sealed_detained",
  "sealed_witnesses",
] as const;

export type ContentHashField = (typeof CONTENT_HASH_FIELDS)[number];
/** A report row as the hash reads it: timestamps as `YYYY-MM-DDTHH:MM:SS.ffffffZ` text (UTC, microseconds). */
export type ContentHashRow = Record<ContentHashField, unknown>;

/** How PostgreSQL prints a timestamptz for the hash: UTC, ISO 8601, microseconds (as the audit log does). */
export const UTC_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const utcText = (column: string) => sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * RFC 8785 (JSON Canonicalization Scheme) for the values a report row holds: object keys sorted by
 * UTF-16 code units, no whitespace, strings and numbers serialised as ECMAScript's JSON does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonicalJson: a number must be finite");
      return JSON.stringify(value);
    case "object": {
      if (value instanceof Date) throw new TypeError("canonicalJson: give timestamps as text, not Date (microseconds would be lost)");
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot serialise a ${typeof value}`);
  }
}

/**
 * SHA-256 (hex) of the UTF-8 bytes of the RFC 8785 canonical JSON of the object made of exactly
 * CONTENT_HASH_FIELDS of the stored row. Anyone with the database row can recompute it.
 */
export function reportContentHash(row: ContentHashRow): string {
  const picked: Record<string, unknown> = {};
  for (const field of CONTENT_HASH_FIELDS) {
    if (!(field in row) || row[field] === undefined) throw new TypeError(`reportContentHash: missing ${field}`);
    picked[field] = row[field];
  }
  for (const field of ["submitted_at", "occurred_at"] as const) {
    if (typeof picked[field] !== "string" || !UTC_MICROS.test(picked[field] as string)) {
      throw new TypeError(`reportContentHash: ${field} must be UTC text with microseconds`);
    }
  }
  return createHash("sha256").update(canonicalJson(picked), "utf8").digest("hex");
}

/** The hashed columns of one report, as the hash reads them. */
function selectHashed(trx: Trx) {
  return trx
    .selectFrom("reports as r")
    .select([
      "r.id",
      "r.client_uuid",
      utcText("r.submitted_at").as("submitted_at"),
      utcText("r.occurred_at").as("occurred_at"),
      "r.zone_id",
      "r.location",
      "r.location_accuracy_m",
      "r.cross_streets",
      "r.agent_count_min",
      "r.agents_possibly_more",
      "r.vehicle_count",
      "r.activities",
      "r.agencies",
      "r.masked",
      "r.vest_text",
      "r.equipment",
      "r.identified",
      "r.warrant",
      "r.home_entry",
      "r.consent_asked",
      "r.consent_given",
      "r.use_of_force",
      "r.injuries",
      "r.local_police_assisting",
      "r.officers",
      "r.vehicles",
      "r.narrative",
      "r.sealed",
      "r.sealed_detained",
      "r.sealed_witnesses",
    ]);
}

/** The content hash of one stored report, as `who` reads it (RLS); null when they cannot read it. */
export async function storedContentHash(trx: Trx, id: string): Promise<string | null> {
  const row = await selectHashed(trx).where("r.id", "=", id).executeTakeFirst();
  return row ? reportContentHash(row) : null;
}

// The declaration (PDF) -----------------------------------------------------------------------

export interface Exporter {
  claims: Claims;
  displayName: string;
  email: string;
}

type Point = { type: "Point"; coordinates: [number, number] };

export interface Declaration {
  report: {
    id: string;
    contentSha256: string;
    occurredAt: Date;
    submittedAt: Date;
    zoneName: string | null;
    crossStreets: string;
    location: Point | null;
    accuracy: number | null;
    agentCountMin: number | null;
    agentsPossiblyMore: boolean;
    vehicleCount: number | null;
    activities: string[];
    agencies: string[];
    masked: string;
    vestText: string;
    equipment: string;
    identified: string;
    warrant: string;
    homeEntry: string;
    consentAsked: string;
    consentGiven: string;
    useOfForce: string;
    injuries: string;
    localPoliceAssisting: string;
    officers: { name?: string; badge?: string }[];
    vehicles: { make?: string; colour?: string; plate?: string }[];
    narrative: string;
    sealed: boolean;
    sealedDetained: number;
    sealedWitnesses: number;
    status: string;
    verification: string;
    urgency: string;
    legalHold: boolean;
    reviewStartedAt: Date | null;
    purgedAt: Date | null;
  };
  addenda: { body: string; sealed: boolean; createdAt: Date; byAuthor: boolean }[];
  media: { sha256: string; contentType: string; sizeBytes: number; createdAt: Date }[];
  orgName: string;
  timeZone: string;
}

/** Everything the declaration prints about one report, read through RLS; null when not readable. */
export async function loadDeclaration(trx: Trx, id: string): Promise<Declaration | null> {
  const hashed = await selectHashed(trx).where("r.id", "=", id).executeTakeFirst();
  if (!hashed) return null;
  const [extra, addenda, media, org] = await Promise.all([
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
      .select(["sha256", "content_type", "size_bytes", "created_at"])
      .where("report_id", "=", id)
      .orderBy("created_at")
      .orderBy("id")
      .execute(),
    trx.selectFrom("org_settings").select(["name", "time_zone"]).executeTakeFirst(),
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
    media: media.map((m) => ({ sha256: m.sha256, contentType: m.content_type, sizeBytes: Number(m.size_bytes), createdAt: date(m.created_at) })),
    orgName: org?.name ?? "Testigo",
    timeZone: org?.time_zone ?? "America/Chicago",
  };
}

/** "2026-11-26 09:30:00 -06:00 (America/Chicago)": a time with its offset, never ambiguous. */
export const localStamp = (at: Date, timeZone: string) => `${format(new TZDate(at.getTime(), timeZone), "yyyy-MM-dd HH:mm:ss xxx")} (${timeZone})`;
export const utcStamp = (at: Date) => `${format(new TZDate(at.getTime(), "UTC"), "yyyy-MM-dd HH:mm:ss")} UTC`;

const isControl = (ch: string) => {
  const cp = ch.codePointAt(0)!;
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
};

/**
 * Text the standard PDF fonts can draw (WinAnsi: Latin-1 plus typographic quotes, dashes, €…).
 * Anything else is folded to its unaccented letter when there is one, or replaced with "?": the
 * export never fails on an emoji or a Cyrillic name.
 */
export function winAnsiSanitizer(font: PDFFont) {
  const allowed = new Set(font.getCharacterSet());
  const ok = (ch: string) => allowed.has(ch.codePointAt(0)!);
  return (text: string) => {
    let out = "";
    for (const ch of text.normalize("NFC")) {
      if (ch === "\n") out += ch;
      else if (ch === "\t") out += "    ";
      else if (ch === "\u2212") out += "-";
      else if (isControl(ch)) continue;
      else if (ok(ch)) out += ch;
      else {
        const folded = ch.normalize("NFKD").replace(/\p{M}/gu, "");
        out += folded && [...folded].every(ok) ? folded : "?";
      }
    }
    return out;
  };
}

/** Lines of at most `width` points: words wrap, a word longer than a line is cut, newlines are kept. */
export function wrapText(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  const fits = (s: string) => font.widthOfTextAtSize(s, size) <= width;
  for (const paragraph of text.replace(/\r\n?/g, "\n").split("\n")) {
    let line = "";
    for (const word of paragraph.split(/ +/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (fits(candidate)) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      line = "";
      let rest = word;
      while (!fits(rest)) {
        let n = rest.length - 1;
        while (n > 1 && !fits(rest.slice(0, n))) n--;
        lines.push(rest.slice(0, n));
        rest = rest.slice(n);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

const PAGE = { width: 612, height: 792, margin: 54, footer: 36 } as const; // US Letter
const INK = rgb(0.1, 0.1, 0.1);
const MUTED = rgb(0.35, 0.35, 0.35);

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  mono: PDFFont;
}

/** A top-to-bottom writer that starts a new page whenever the next line does not fit. */
class Writer {
  readonly pages: PDFPage[] = [];
  private page!: PDFPage;
  private y = 0;
  readonly clean: (text: string) => string;

  constructor(
    private readonly doc: PDFDocument,
    readonly fonts: Fonts,
  ) {
    this.clean = winAnsiSanitizer(fonts.regular);
    this.newPage();
  }

  private newPage() {
    this.page = this.doc.addPage([PAGE.width, PAGE.height]);
    this.pages.push(this.page);
    this.y = PAGE.height - PAGE.margin;
  }

  private room(height: number) {
    if (this.y - height < PAGE.margin + PAGE.footer) this.newPage();
  }

  gap(points: number) {
    this.y -= points;
  }

  /** Wrapped text in one font, from `indent`; returns nothing, moves down. */
  text(text: string, options: { font?: PDFFont; size?: number; indent?: number; color?: ReturnType<typeof rgb>; after?: number } = {}) {
    const { font = this.fonts.regular, size = 10, indent = 0, color = INK, after = 2 } = options;
    const leading = size * 1.35;
    const x = PAGE.margin + indent;
    for (const line of wrapText(this.clean(text), font, size, PAGE.width - PAGE.margin - x)) {
      this.room(leading);
      this.y -= leading;
      if (line) this.page.drawText(line, { x, y: this.y + size * 0.25, size, font, color });
    }
    this.y -= after;
  }

  heading(text: string, size = 12.5) {
    this.room(size * 1.35 + 30); // keep a heading with at least two lines of what follows
    this.gap(8);
    this.text(text, { font: this.fonts.bold, size, after: 4 });
  }

  /** A label in the left column and its (wrapped) value beside it; monospace for hashes. */
  field(label: string, value: string, options: { mono?: boolean } = {}) {
    const size = 10;
    const labelWidth = 150;
    const leading = size * 1.35;
    const valueFont = options.mono ? this.fonts.mono : this.fonts.regular;
    const valueSize = options.mono ? 8.5 : size;
    const x = PAGE.margin + labelWidth + 8;
    const labelLines = wrapText(this.clean(label), this.fonts.bold, 9, labelWidth);
    const valueLines = wrapText(this.clean(value), valueFont, valueSize, PAGE.width - PAGE.margin - x);
    const count = Math.max(labelLines.length, valueLines.length);
    for (let i = 0; i < count; i++) {
      this.room(leading);
      this.y -= leading;
      const baseline = this.y + size * 0.25;
      if (labelLines[i]) this.page.drawText(labelLines[i]!, { x: PAGE.margin, y: baseline, size: 9, font: this.fonts.bold, color: MUTED });
      if (valueLines[i]) this.page.drawText(valueLines[i]!, { x, y: baseline, size: valueSize, font: valueFont, color: INK });
    }
    this.y -= 3;
  }

  /** "Page 1 of 3" and the report on every page, once all pages exist. */
  footers(left: string, pageLabel: (page: number, total: number) => string) {
    const size = 8;
    const total = this.pages.length;
    const leftText = this.clean(left);
    this.pages.forEach((page, i) => {
      const right = this.clean(pageLabel(i + 1, total));
      const y = PAGE.margin - 12;
      page.drawLine({ start: { x: PAGE.margin, y: y + 12 }, end: { x: PAGE.width - PAGE.margin, y: y + 12 }, thickness: 0.5, color: MUTED });
      page.drawText(leftText, { x: PAGE.margin, y, size, font: this.fonts.regular, color: MUTED });
      page.drawText(right, { x: PAGE.width - PAGE.margin - this.fonts.regular.widthOfTextAtSize(right, size), y, size, font: this.fonts.regular, color: MUTED });
    });
  }
}

export interface DeclarationMeta {
  exporter: { displayName: string; email: string };
  exportedAt: Date;
  language: "en" | "es";
}

/** The declaration as PDF bytes, in the exporter's language. */
export async function declarationPdf(data: Declaration, meta: DeclarationMeta, t: TFunction): Promise<Uint8Array> {
  const { report: r, timeZone } = data;
  const doc = await PDFDocument.create();
  const fonts: Fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  const title = t("evidence.pdf.title");
  doc.setTitle(`${title} ${r.id}`);
  doc.setAuthor(data.orgName);
  doc.setSubject(`content-sha256:${r.contentSha256}`);
  doc.setCreator("Testigo");
  doc.setProducer("Testigo");
  doc.setLanguage(meta.language);
  doc.setCreationDate(meta.exportedAt);
  doc.setModificationDate(meta.exportedAt);

  const w = new Writer(doc, fonts);
  const none = t("evidence.pdf.none");
  const orNone = (value: string) => (value.trim() ? value : none);
  const tri = (value: string) => t(`reports.tri.${value}`);
  const local = (at: Date) => localStamp(at, timeZone);
  const both = (at: Date) => `${local(at)} · ${utcStamp(at)}`;

  w.text(title, { font: fonts.bold, size: 17, after: 2 });
  w.text(data.orgName, { size: 12, color: MUTED, after: 10 });
  w.field(t("evidence.pdf.reportId"), r.id, { mono: true });
  w.field(t("evidence.pdf.exportedBy"), `${meta.exporter.displayName} <${meta.exporter.email}>`);
  w.field(t("evidence.pdf.exportedAt"), both(meta.exportedAt));

  w.heading(t("evidence.pdf.integrityTitle"));
  w.field(t("evidence.pdf.contentHash"), r.contentSha256, { mono: true });
  w.text(t("evidence.pdf.hashDefinition", { fields: CONTENT_HASH_FIELDS.join(", ") }), { size: 8.5, color: MUTED, after: 4 });

  w.heading(t("evidence.pdf.accountTitle"));
  w.text(t("evidence.pdf.accountIntro"), { size: 9, color: MUTED, after: 4 });
  w.field(t("evidence.pdf.occurredAt"), local(r.occurredAt));
  w.field(t("evidence.pdf.submittedAt"), both(r.submittedAt));
  w.field(t("evidence.pdf.zone"), r.zoneName ?? t("evidence.pdf.noZone"));
  w.field(t("evidence.pdf.crossStreets"), orNone(r.crossStreets));
  const [lon, lat] = r.location?.coordinates ?? [];
  w.field(
    t("evidence.pdf.location"),
    lat === undefined || lon === undefined
      ? t("evidence.pdf.notRecorded")
      : r.accuracy === null
        ? t("evidence.pdf.locationValue", { lat: lat.toFixed(6), lon: lon.toFixed(6) })
        : t("evidence.pdf.locationAccuracy", { lat: lat.toFixed(6), lon: lon.toFixed(6), accuracy: r.accuracy }),
  );

  w.heading(t("evidence.pdf.saluteTitle"), 11);
  const agents = r.agentCountMin === null ? t("evidence.pdf.notRecorded") : String(r.agentCountMin);
  w.field(t("evidence.pdf.agents"), r.agentsPossiblyMore ? t("evidence.pdf.possiblyMore", { agents }) : agents);
  w.field(t("evidence.pdf.vehicleCount"), r.vehicleCount === null ? t("evidence.pdf.notRecorded") : String(r.vehicleCount));
  w.field(t("evidence.pdf.activities"), r.activities.length ? r.activities.map((a) => t(`reports.activity.${a}`)).join("; ") : none);
  w.field(t("evidence.pdf.agencies"), r.agencies.length ? r.agencies.map((a) => t(`reports.agency.${a}`)).join("; ") : none);
  w.field(t("evidence.pdf.masked"), tri(r.masked));
  w.field(t("evidence.pdf.vestText"), orNone(r.vestText));
  w.field(t("evidence.pdf.equipment"), orNone(r.equipment));

  w.heading(t("evidence.pdf.legalTitle"), 11);
  w.field(t("evidence.pdf.identified"), tri(r.identified));
  w.field(t("evidence.pdf.warrant"), t(`reports.warrantType.${r.warrant}`));
  w.field(t("evidence.pdf.homeEntry"), tri(r.homeEntry));
  w.field(t("evidence.pdf.consentAsked"), tri(r.consentAsked));
  w.field(t("evidence.pdf.consentGiven"), tri(r.consentGiven));
  w.field(t("evidence.pdf.useOfForce"), tri(r.useOfForce));
  w.field(t("evidence.pdf.injuries"), tri(r.injuries));
  w.field(t("evidence.pdf.localPolice"), tri(r.localPoliceAssisting));
  const officers = r.officers.map((o) => [o.name, o.badge && t("evidence.pdf.badge", { badge: o.badge })].filter(Boolean).join(", ")).filter(Boolean);
  w.field(t("evidence.pdf.officers"), officers.length ? officers.join("\n") : none);
  const vehicles = r.vehicles.map((v) => [v.make, v.colour, v.plate && t("evidence.pdf.plate", { plate: v.plate })].filter(Boolean).join(", ")).filter(Boolean);
  w.field(t("evidence.pdf.vehicles"), vehicles.length ? vehicles.join("\n") : none);

  w.heading(t("evidence.pdf.narrativeTitle"), 11);
  w.text(orNone(r.narrative), { after: 4 });

  w.heading(t("evidence.pdf.sealedTitle"));
  w.text(r.sealed ? t("evidence.pdf.sealedSummary", { detained: r.sealedDetained, witnesses: r.sealedWitnesses }) : t("evidence.pdf.noSealed"));

  w.heading(t("evidence.pdf.addendaTitle"));
  if (!data.addenda.length) w.text(t("evidence.pdf.noAddenda"));
  for (const a of data.addenda) {
    const time = both(a.createdAt);
    if (a.body.trim()) {
      w.text(a.byAuthor ? t("evidence.pdf.addendumByAuthor", { time }) : t("evidence.pdf.addendumByOther", { time }), { font: fonts.bold, size: 9.5 });
      w.text(a.body, { indent: 12, after: 4 });
    }
    if (a.sealed) w.text(t("evidence.pdf.sealedAddendum", { time }), { size: 9.5, after: 4 });
  }

  w.heading(t("evidence.pdf.mediaTitle"));
  if (!data.media.length) w.text(t("evidence.pdf.noMedia"));
  else w.text(t("evidence.pdf.mediaIntro"), { size: 9, color: MUTED, after: 4 });
  data.media.forEach((m, i) => {
    w.text(
      t("evidence.pdf.medium", { n: i + 1, type: m.contentType, bytes: m.sizeBytes.toLocaleString(meta.language === "es" ? "es-ES" : "en-US"), time: both(m.createdAt) }),
      { font: fonts.bold, size: 9.5 },
    );
    w.field("SHA-256", m.sha256, { mono: true });
  });

  w.heading(t("evidence.pdf.reviewTitle"));
  w.field(t("evidence.pdf.status"), t(`reports.statusLabel.${r.status}`));
  w.field(t("evidence.pdf.verification"), t(`evidence.verification.${r.verification}`));
  w.field(t("evidence.pdf.urgency"), t(`evidence.urgency.${r.urgency}`));
  w.field(t("evidence.pdf.reviewStarted"), r.reviewStartedAt ? both(r.reviewStartedAt) : t("evidence.pdf.notYet"));
  w.field(t("evidence.pdf.legalHold"), r.legalHold ? t("reports.tri.yes") : t("reports.tri.no"));
  if (r.purgedAt) w.field(t("evidence.pdf.purged"), both(r.purgedAt));

  w.footers(t("evidence.pdf.footer", { org: data.orgName, id: r.id.slice(0, 8) }), (page, total) => t("evidence.pdf.page", { page, total }));
  return doc.save({ useObjectStreams: false });
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
    throw asReviewError(error);
  }
}

// The queue (CSV) -----------------------------------------------------------------------------

/** The CSV's columns, in order: P0/P1 only, never the sealed box. Headers are `evidence.csv.<column>`. */
export const CSV_COLUMNS = [
  "id",
  "occurredAt",
  "submittedAt",
  "zone",
  "crossStreets",
  "latitude",
  "longitude",
  "accuracy",
  "agentCount",
  "vehicleCount",
  "activities",
  "agencies",
  "masked",
  "warrant",
  "identified",
  "homeEntry",
  "consentAsked",
  "consentGiven",
  "useOfForce",
  "injuries",
  "localPolice",
  "urgency",
  "verification",
  "status",
  "assignee",
  "sealedDetained",
  "sealedWitnesses",
  "narrative",
] as const;

export const CSV_BATCH = 1000;

// Any query on `reports as r` (joins vary); Kysely's alias types do not compose here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ReportQuery = SelectQueryBuilder<any, any, any>;

interface CsvRow {
  id: string;
  occurred_at: string;
  submitted_at: string;
  sort_t: string;
  zone_name: string | null;
  cross_streets: string;
  location: Point | null;
  location_accuracy_m: number | null;
  agent_count_min: number | null;
  vehicle_count: number | null;
  activities: string[];
  agencies: string[];
  masked: string;
  warrant: string;
  identified: string;
  home_entry: string;
  consent_asked: string;
  consent_given: string;
  use_of_force: string;
  injuries: string;
  local_police_assisting: string;
  urgency: string;
  verification: string;
  status: string;
  assignee_name: string | null;
  sealed_detained: number;
  sealed_witnesses: number;
  narrative: string;
}

interface CsvCursor {
  urgency: string;
  t: string;
  id: string;
}

/** The filters as recorded in the audit log: only those set, never the page cursor. */
export function filtersForAudit(filters: QueueFilters) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filters)) {
    if (key === "after" || value === null || (Array.isArray(value) && !value.length)) continue;
    out[key] = value;
  }
  return out;
}

/** The filtered queue up to `until`, in the queue's order, `limit` rows after `cursor`. */
function csvBatch(trx: Trx, me: string, filters: QueueFilters, until: string, cursor: CsvCursor | null, limit: number) {
  const sortColumn = filters.sort === "occurred" ? "r.occurred_at" : "r.submitted_at";
  let query = trx
    .selectFrom("reports as r")
    .leftJoin("zones as z", "z.id", "r.zone_id")
    // attorneys cannot read each other's profiles: names come from the legal team's directory
    .leftJoin(sql<{ id: string; name: string }>`private.legal_team_directory()`.as("a"), (join) => join.onRef("a.id", "=", "r.assigned_to"))
    .select([
      "r.id",
      // ISO 8601 in the session's time zone (the organisation's, set by the caller)
      sql<string>`to_char(r.occurred_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')`.as("occurred_at"),
      sql<string>`to_char(r.submitted_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')`.as("submitted_at"),
      // the keyset's time at full precision (a Date would drop the microseconds)
      sql<string>`${sql.ref(sortColumn)}::text`.as("sort_t"),
      "z.name as zone_name",
      "r.cross_streets",
      "r.location",
      "r.location_accuracy_m",
      "r.agent_count_min",
      "r.vehicle_count",
      "r.activities",
      "r.agencies",
      "r.masked",
      "r.warrant",
      "r.identified",
      "r.home_entry",
      "r.consent_asked",
      "r.consent_given",
      "r.use_of_force",
      "r.injuries",
      "r.local_police_assisting",
      "r.urgency",
      "r.verification",
      "r.status",
      "a.name as assignee_name",
      "r.sealed_detained",
      "r.sealed_witnesses",
      "r.narrative",
    ])
    .where("r.submitted_at", "<=", sql<Date>`${until}::timestamptz`) as unknown as ReportQuery;
  query = applyFilters(query, { ...filters, after: null }, me);
  if (cursor) {
    query =
      filters.sort === "urgency"
        ? query.where(sql<boolean>`(r.urgency, r.submitted_at, r.id) < (${cursor.urgency}::public.report_urgency, ${cursor.t}::timestamptz, ${cursor.id}::uuid)`)
        : query.where(sql<boolean>`(${sql.ref(sortColumn)}, r.id) < (${cursor.t}::timestamptz, ${cursor.id}::uuid)`);
  }
  if (filters.sort === "urgency") query = query.orderBy("r.urgency", "desc");
  return query
    .orderBy(sortColumn, "desc")
    .orderBy("r.id", "desc")
    .limit(limit)
    .execute() as Promise<CsvRow[]>;
}

function csvLine(r: CsvRow) {
  const [lon, lat] = r.location?.coordinates ?? [null, null];
  return csvRow([
    r.id,
    r.occurred_at,
    r.submitted_at,
    r.zone_name,
    r.cross_streets,
    lat,
    lon,
    r.location_accuracy_m,
    r.agent_count_min,
    r.vehicle_count,
    r.activities.join("; "),
    r.agencies.join("; "),
    r.masked,
    r.warrant,
    r.identified,
    r.home_entry,
    r.consent_asked,
    r.consent_given,
    r.use_of_force,
    r.injuries,
    r.local_police_assisting,
    r.urgency,
    r.verification,
    r.status,
    r.assignee_name,
    r.sealed_detained,
    r.sealed_witnesses,
    r.narrative,
  ]);
}

export interface QueueCsv {
  stream: ReadableStream<Uint8Array>;
  rows: number;
  /** The organisation's date of the export, for the file name. */
  localDate: string;
}

/**
 * The filtered queue as CSV, for attorneys and admins. First, in one transaction, the export is
 * fixed (reports submitted until now), counted and recorded in the audit log; only then does the
 * stream start, one keyset batch of CSV_BATCH rows per short transaction, so that 100,000 rows
 * neither hold a connection for the whole download nor sit in memory.
 */
export async function exportQueueCsv(claims: Claims, filters: QueueFilters, headers: string[]): Promise<QueueCsv> {
  const start = await withUser(claims, async (trx) => {
    const { rows } = await sql<{ until: string; time_zone: string | null }>`
      select now()::text as until, (select time_zone from public.org_settings limit 1) as time_zone`.execute(trx);
    const { until, time_zone } = rows[0]!;
    const base = trx.selectFrom("reports as r").where("r.submitted_at", "<=", sql<Date>`${until}::timestamptz`) as unknown as ReportQuery;
    const counted = (await applyFilters(base, { ...filters, after: null }, claims.sub)
      .select(sql<string>`count(*)`.as("n"))
      .executeTakeFirstOrThrow()) as { n: string };
    const count = Number(counted.n);
    const details = { format: "csv", filters: filtersForAudit(filters), rows: count, until };
    await sql`select private.record_report_access(null, 'exported', ${JSON.stringify(details)}::jsonb)`.execute(trx);
    return { until, count, timeZone: time_zone ?? "America/Chicago" };
  }).catch((error: unknown) => {
    throw asReviewError(error);
  });

  const encoder = new TextEncoder();
  let cursor: CsvCursor | null = null;
  let done = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(CSV_BOM + csvRow(headers)));
    },
    async pull(controller) {
      if (done) return;
      const batch = await withUser(claims, async (trx) => {
        // times print as ISO 8601 with the organisation's offset: "2026-11-26T09:30:00-06:00"
        await sql`select set_config('TimeZone', ${start.timeZone}, true)`.execute(trx);
        return csvBatch(trx, claims.sub, filters, start.until, cursor, CSV_BATCH);
      });
      if (batch.length) {
        controller.enqueue(encoder.encode(batch.map(csvLine).join("")));
        const last = batch.at(-1)!;
        cursor = { urgency: last.urgency, t: last.sort_t, id: last.id };
      }
      if (batch.length < CSV_BATCH) {
        done = true;
        controller.close();
      }
    },
  });
  return { stream, rows: start.count, localDate: format(new TZDate(Date.now(), start.timeZone), "yyyy-MM-dd") };
}
