import { TZDate } from "@date-fns/tz";
import { format } from "date-fns";
import type { TFunction } from "i18next";
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from "pdf-lib";
import { CONTENT_HASH_FIELDS } from "./hash.server";

// The declaration of one report as PDF: what ./declaration.server.ts read through RLS, printed.
// It never contains sealed content: the server cannot read it.

export type Point = { type: "Point"; coordinates: [number, number] };

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
  media: { id: string; storedSha256: string; contentType: string; sizeBytes: number; createdAt: Date }[];
  orgName: string;
  timeZone: string;
  /** The audit log's head when this was made: a mark outside the database that the log is not rewritten later. */
  auditHead: { seq: number; hash: string } | null;
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

export type Language = "en" | "es";

/** A top-to-bottom writer that starts a new page whenever the next line does not fit. */
class Writer {
  readonly pages: PDFPage[] = [];
  /** Which part of the document each page belongs to: its language and the label its footer adds. */
  readonly parts: { language: Language; label: string | null }[] = [];
  private page!: PDFPage;
  private y = 0;
  private part: { language: Language; label: string | null };
  readonly clean: (text: string) => string;

  constructor(
    private readonly doc: PDFDocument,
    readonly fonts: Fonts,
    language: Language,
  ) {
    this.clean = winAnsiSanitizer(fonts.regular);
    this.part = { language, label: null };
    this.newPage();
  }

  private newPage() {
    this.page = this.doc.addPage([PAGE.width, PAGE.height]);
    this.pages.push(this.page);
    this.parts.push(this.part);
    this.y = PAGE.height - PAGE.margin;
  }

  /** A new part (the translation, the record) starts on a new page, in its own language. */
  startPart(language: Language, label: string | null) {
    this.part = { language, label };
    this.newPage();
  }

  private room(height: number) {
    if (this.y - height < PAGE.margin + PAGE.footer) this.newPage();
  }

  /** Starts a new page unless `height` points fit on this one: what must not be split stays together. */
  keepTogether(height: number) {
    this.room(height);
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

  /**
   * Lines to write on by hand, side by side: each a rule with what is already known printed on it
   * (or nothing) and its label beneath. The whole row stays on one page.
   */
  lines(cells: { label: string; value?: string | null; width: number }[]) {
    const height = 46;
    this.room(height);
    this.y -= 30;
    let x = PAGE.margin;
    for (const cell of cells) {
      if (cell.value) this.page.drawText(this.clean(cell.value), { x: x + 2, y: this.y + 4, size: 11, font: this.fonts.regular, color: INK });
      this.page.drawLine({ start: { x, y: this.y }, end: { x: x + cell.width, y: this.y }, thickness: 0.75, color: INK });
      this.page.drawText(this.clean(cell.label), { x, y: this.y - 11, size: 8.5, font: this.fonts.regular, color: MUTED });
      x += cell.width + 24;
    }
    this.y -= height - 30;
  }

  /** "Page 1 of 3" on every page, in the language of the part it belongs to, once all pages exist. */
  footers(left: (part: { language: Language; label: string | null }) => string, pageLabel: (language: Language, page: number, total: number) => string) {
    const size = 8;
    const total = this.pages.length;
    this.pages.forEach((page, i) => {
      const part = this.parts[i]!;
      const leftText = this.clean(left(part));
      const right = this.clean(pageLabel(part.language, i + 1, total));
      const y = PAGE.margin - 12;
      page.drawLine({ start: { x: PAGE.margin, y: y + 12 }, end: { x: PAGE.width - PAGE.margin, y: y + 12 }, thickness: 0.5, color: MUTED });
      page.drawText(leftText, { x: PAGE.margin, y, size, font: this.fonts.regular, color: MUTED });
      page.drawText(right, { x: PAGE.width - PAGE.margin - this.fonts.regular.widthOfTextAtSize(right, size), y, size, font: this.fonts.regular, color: MUTED });
    });
  }
}

export interface DeclarationMeta {
  /** Who made this file: an attorney exporting it, or the report's author generating it to sign. */
  generatedBy: { kind: "attorney" | "author"; displayName: string; email: string };
  exportedAt: Date;
  /** The language of whoever made the file: the record after the declaration is in it. */
  language: Language;
  /**
   * The person who signs: their name as they chose it (null: blank lines to fill in by hand), where
   * they will sign (null: a blank line) and the language they declare in. A declaration in Spanish
   * is followed by its English translation, labelled as such: courts take English.
   */
  declarant: { name: string | null; place: string | null; language: Language };
}

export type Translators = Record<Language, TFunction>;

/** The declaration as PDF bytes: the declaration (and its translation), then the record of the file. */
export async function declarationPdf(data: Declaration, meta: DeclarationMeta, translators: Translators): Promise<Uint8Array> {
  const { report: r } = data;
  const doc = await PDFDocument.create();
  const fonts: Fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  const main = translators[meta.declarant.language];
  const name = meta.declarant.name?.trim() || null;
  const title = name ? main("declaration.pdf.title", { name }) : main("declaration.pdf.titleBlank");
  doc.setTitle(`${title} · ${r.id}`);
  doc.setAuthor(name ?? data.orgName);
  doc.setSubject(`content-sha256:${r.contentSha256}`);
  doc.setCreator("Testigo");
  doc.setProducer("Testigo");
  doc.setLanguage(meta.declarant.language);
  doc.setCreationDate(meta.exportedAt);
  doc.setModificationDate(meta.exportedAt);

  const w = new Writer(doc, fonts, meta.declarant.language);
  declaredPart(w, data, meta, main, meta.declarant.language, false);
  if (meta.declarant.language !== "en") {
    w.startPart("en", translators.en("declaration.pdf.translationFooter"));
    declaredPart(w, data, meta, translators.en, "en", true);
  }
  w.startPart(meta.language, null);
  recordPart(w, data, meta, translators[meta.language]);

  w.footers(
    (part) => {
      const t = translators[part.language];
      const footer = t("evidence.pdf.footer", { org: data.orgName, id: r.id.slice(0, 8) });
      return part.label ? `${part.label} · ${footer}` : footer;
    },
    (language, page, total) => translators[language]("evidence.pdf.page", { page, total }),
  );
  return doc.save({ useObjectStreams: false });
}

/**
 * The declaration itself, in one language: who declares, the account as stored, what is sealed and
 * so omitted, the author's own addenda, the media with their hashes, the statement under 28 U.S.C.
 * § 1746 and the lines to sign. Everything above the statement is what the declarant swears to.
 */
function declaredPart(w: Writer, data: Declaration, meta: DeclarationMeta, t: TFunction, language: Language, translation: boolean) {
  const { report: r, timeZone } = data;
  const { bold } = w.fonts;
  const name = meta.declarant.name?.trim() || null;
  const none = t("evidence.pdf.none");
  const orNone = (value: string) => (value.trim() ? value : none);
  const tri = (value: string) => t(`reports.tri.${value}`);
  const local = (at: Date) => localStamp(at, timeZone);
  const both = (at: Date) => `${local(at)} · ${utcStamp(at)}`;

  w.text(name ? t("declaration.pdf.title", { name }) : t("declaration.pdf.titleBlank"), { font: bold, size: 17, after: 2 });
  w.text(t("declaration.pdf.subtitle", { org: data.orgName }), { size: 11, color: MUTED, after: 8 });
  if (translation) {
    w.text(t("declaration.pdf.translationTitle"), { font: bold, size: 12, after: 2 });
    w.text(t("declaration.pdf.translationNote"), { size: 9, color: MUTED, after: 8 });
  }
  w.field(t("evidence.pdf.reportId"), r.id, { mono: true });
  w.field(t("evidence.pdf.contentHash"), r.contentSha256, { mono: true });
  w.gap(8);
  w.text(name ? t("declaration.pdf.opening", { name }) : t("declaration.pdf.openingBlank"), { size: 11, after: 6 });
  w.text(t("declaration.pdf.paragraph", { org: data.orgName, id: r.id, submitted: local(r.submittedAt) }), { size: 10.5, after: 4 });

  w.heading(t("evidence.pdf.accountTitle"));
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
  const officers = officerLines(r.officers, t);
  w.field(t("evidence.pdf.officers"), officers.length ? officers.join("\n") : none);
  const vehicles = vehicleLines(r.vehicles, t);
  w.field(t("evidence.pdf.vehicles"), vehicles.length ? vehicles.join("\n") : none);

  w.heading(t("evidence.pdf.narrativeTitle"), 11);
  w.text(orNone(r.narrative), { after: 4 });

  w.heading(t("evidence.pdf.sealedTitle"));
  w.text(r.sealed ? t("declaration.pdf.sealedOmitted", { detained: t("counts.detainedPeople", { count: r.sealedDetained }), witnesses: t("counts.witnesses", { count: r.sealedWitnesses }) }) : t("declaration.pdf.noSealed"));

  w.heading(t("evidence.pdf.addendaTitle"));
  const own = data.addenda.filter((a) => a.byAuthor);
  if (!own.length) w.text(t("evidence.pdf.noAddenda"));
  for (const a of own) addendum(w, a, t, both);
  if (own.length < data.addenda.length) w.text(t("declaration.pdf.othersAddenda"), { size: 9, color: MUTED, after: 4 });

  w.heading(t("evidence.pdf.mediaTitle"));
  if (!data.media.length) w.text(t("evidence.pdf.noMedia"));
  else w.text(t("evidence.pdf.mediaIntro"), { size: 9, color: MUTED, after: 4 });
  data.media.forEach((m, i) => {
    w.text(t("evidence.pdf.medium", { n: i + 1, type: m.contentType, bytes: m.sizeBytes.toLocaleString(language === "es" ? "es-ES" : "en-US"), time: both(m.createdAt) }), {
      font: bold,
      size: 9.5,
    });
    w.field(t("evidence.pdf.mediaId"), m.id, { mono: true });
    w.field(t("evidence.pdf.storedSha256"), m.storedSha256, { mono: true });
  });

  // 28 U.S.C. § 1746(2): the statement, then where and when it is signed, then the signature, on
  // one page: a signature alone on a page could be attached to anything.
  w.gap(14);
  w.keepTogether(190);
  w.text(t("declaration.pdf.perjury"), { font: bold, size: 11, after: 4 });
  const place = meta.declarant.place?.trim() || null;
  w.text(t("declaration.pdf.executed", { date: t("declaration.pdf.blankDate"), place: place ?? t("declaration.pdf.blankPlace") }), { size: 11, after: 6 });
  w.lines([
    { label: t("declaration.pdf.signature"), width: 300 },
    { label: t("declaration.pdf.date"), width: 180 },
  ]);
  w.lines([
    { label: t("declaration.pdf.printedName"), value: name, width: 300 },
    { label: t("declaration.pdf.place"), value: place, width: 180 },
  ]);
}

/** What comes with the file but is not declared: who made it, the hashes' definitions, triage. */
function recordPart(w: Writer, data: Declaration, meta: DeclarationMeta, t: TFunction) {
  const { report: r, timeZone } = data;
  const both = (at: Date) => `${localStamp(at, timeZone)} · ${utcStamp(at)}`;
  const by = meta.generatedBy;
  w.text(t("declaration.pdf.recordTitle"), { font: w.fonts.bold, size: 14, after: 6 });
  w.field(t("evidence.pdf.reportId"), r.id, { mono: true });
  if (by.kind === "author") w.field(t("declaration.pdf.generatedBy"), t("declaration.pdf.generatedByAuthor", { name: by.displayName, email: by.email }));
  else w.field(t("evidence.pdf.exportedBy"), `${by.displayName} <${by.email}>`);
  w.field(by.kind === "author" ? t("declaration.pdf.generatedAt") : t("evidence.pdf.exportedAt"), both(meta.exportedAt));
  w.field(t("declaration.pdf.declarantLanguage"), t(`declaration.language.${meta.declarant.language}`));

  w.heading(t("evidence.pdf.integrityTitle"));
  w.field(t("evidence.pdf.contentHash"), r.contentSha256, { mono: true });
  w.text(t("evidence.pdf.hashDefinition", { fields: CONTENT_HASH_FIELDS.join(", ") }), { size: 8.5, color: MUTED, after: 4 });
  if (data.auditHead) {
    w.field(t("evidence.pdf.auditHead"), t("evidence.pdf.auditHeadValue", { seq: data.auditHead.seq, hash: data.auditHead.hash.match(/.{1,16}/g)!.join(" ") }), { mono: true });
    w.text(t("evidence.pdf.auditHeadDefinition"), { size: 8.5, color: MUTED, after: 4 });
  }

  const others = data.addenda.filter((a) => !a.byAuthor);
  if (others.length) {
    w.heading(t("evidence.pdf.addendaTitle"));
    for (const a of others) addendum(w, a, t, both);
  }

  if (by.kind === "attorney") {
    w.heading(t("evidence.pdf.reviewTitle"));
    w.field(t("evidence.pdf.status"), t(`reports.statusLabel.${r.status}`));
    w.field(t("evidence.pdf.verification"), t(`evidence.verification.${r.verification}`));
    w.field(t("evidence.pdf.urgency"), t(`evidence.urgency.${r.urgency}`));
    w.field(t("evidence.pdf.reviewStarted"), r.reviewStartedAt ? both(r.reviewStartedAt) : t("evidence.pdf.notYet"));
    w.field(t("evidence.pdf.legalHold"), r.legalHold ? t("reports.tri.yes") : t("reports.tri.no"));
  }
  if (r.purgedAt) w.field(t("evidence.pdf.purged"), both(r.purgedAt));
}

function addendum(w: Writer, a: Declaration["addenda"][number], t: TFunction, both: (at: Date) => string) {
  const time = both(a.createdAt);
  if (a.body.trim()) {
    w.text(a.byAuthor ? t("evidence.pdf.addendumByAuthor", { time }) : t("evidence.pdf.addendumByOther", { time }), { font: w.fonts.bold, size: 9.5 });
    w.text(a.body, { indent: 12, after: 4 });
  }
  if (a.sealed) w.text(t("evidence.pdf.sealedAddendum", { time }), { size: 9.5, after: 4 });
}

/** "Officer Ruiz, badge 4411": one line per officer, in the declaration and (joined) in the CSV. */
export const officerLines = (officers: Declaration["report"]["officers"], t: TFunction) =>
  officers.map((o) => [o.name, o.badge && t("evidence.pdf.badge", { badge: o.badge })].filter(Boolean).join(", ")).filter(Boolean);

/** "Ford Explorer, black, plate ABC-1234": one line per vehicle. */
export const vehicleLines = (vehicles: Declaration["report"]["vehicles"], t: TFunction) =>
  vehicles.map((v) => [v.make, v.colour, v.plate && t("evidence.pdf.plate", { plate: v.plate })].filter(Boolean).join(", ")).filter(Boolean);
