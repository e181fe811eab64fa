import { randomUUID } from "node:crypto";
import booleanPointInPolygon from "@turf/boolean-point-in-polygon";
import { type Claims, readAsUser, sql, type Trx, withUser } from "~/db/client.server";
import { DomainError, sqlState } from "~/db/errors.server";
import { fromB64u, groupFingerprint, sealJson, validateSealedBox, type SealedBox } from "~/integrations/sealing";
import type { ZoneGeometry } from "~/modules/zones/geometry";
import { localDateTime } from "~/modules/zones/window";
import { addendumAad, type SealedAddendumInput } from "./addenda";
import { isBlank, type Detained, type ReportInput, type Witness } from "./schema";

export interface SealingRecipient {
  keyId: string;
  kind: string;
  publicKey: string;
  /** 128 bits, grouped for people to compare. */
  fingerprint: string;
  createdAt: string;
  /** When it became a recipient (after the waiting period); the browser refuses one in the future. */
  activeFrom: string;
}

/**
 * The public keys P2 data is sealed to: every active attorney's (not a deactivated one's, nor one
 * whose attorney role was removed), and the recovery key.
 */
export async function sealingRecipients(claims: Claims, inTrx?: Trx): Promise<SealingRecipient[]> {
  const read = (trx: Trx) =>
    sql<{ id: string; kind: string; public_key: string; fingerprint: string; created_at: Date; active_from: Date }>`select * from private.sealing_recipients()`.execute(trx);
  const { rows } = await (inTrx ? read(inTrx) : readAsUser(claims, read));
  return rows.map((r) => ({
    keyId: r.id,
    kind: r.kind,
    publicKey: r.public_key,
    fingerprint: groupFingerprint(r.fingerprint),
    createdAt: new Date(r.created_at).toISOString(),
    activeFrom: new Date(r.active_from).toISOString(),
  }));
}

/** A key that became a recipient in the last day may be missing from a box sealed by a page opened before. */
const KEY_GRACE_MS = 24 * 3_600_000;

/** A box from the browser must be sealed to current keys only, and to every key a recipient for over a day. */
export function checkEnvelopes(box: SealedBox, recipients: SealingRecipient[], field: string) {
  const known = new Set(recipients.map((r) => r.keyId));
  const present = new Set(box.envelopes.map((e) => e.keyId));
  const required = recipients.filter((r) => Date.now() - new Date(r.activeFrom).getTime() > KEY_GRACE_MS);
  if (!box.envelopes.length || box.envelopes.some((e) => !known.has(e.keyId)) || required.some((r) => !present.has(r.keyId))) {
    throw new DomainError(409, "reports.errors.keysChanged", field);
  }
}

/** The shift the observer is on right now (checked in, or claimed and within its time), if any. */
export async function currentShiftOf(claims: Claims, at = new Date(), inTrx?: Trx) {
  const run = (trx: Trx) =>
    trx
      .selectFrom("shift_assignments as a")
      .innerJoin("shifts as s", "s.id", "a.shift_id")
      .innerJoin("zones as z", "z.id", "s.zone_id")
      .select(["s.id", "z.name as zone_name", "s.zone_id"])
      .where("a.observer_id", "=", claims.sub)
      .where("a.status", "in", ["claimed", "checked_in"])
      .where("s.cancelled_at", "is", null)
      .where("s.starts_at", "<=", new Date(at.getTime() + 30 * 60_000))
      .where("s.ends_at", ">", at)
      .orderBy(sql`a.status = 'checked_in'`, "desc")
      .executeTakeFirst();
  return inTrx ? run(inTrx) : readAsUser(claims, run);
}

export const newClientUuid = () => randomUUID();

/** The zone containing a point; a point outside every zone has none. */
async function zoneAt(trx: Trx, lng: number, lat: number): Promise<string | null> {
  const zones = await trx.selectFrom("zones").select(["id", "geometry", "priority"]).where("retired_at", "is", null).orderBy("priority").execute();
  const hit = zones.find((z) => booleanPointInPolygon([lng, lat], z.geometry as unknown as ZoneGeometry));
  return hit?.id ?? null;
}

/** The P2 parts a person actually filled in. */
export function p2Of(input: Pick<ReportInput, "detained" | "witnesses">) {
  return {
    detained: input.detained.filter((d) => !isBlank(d as unknown as Record<string, string>)) as Detained[],
    witnesses: input.witnesses.filter((w) => !isBlank(w as unknown as Record<string, string>)) as Witness[],
  };
}

/** The P2 a person typed (JavaScript off): the payload to seal on receipt, and the counts shown unsealed. */
export interface PlainP2 {
  payload: Record<string, unknown>;
  detained: number;
  witnesses: number;
}

/** What a form may carry of P2: the browser's sealed box, and the counts it declared. */
export interface SealedFields {
  sealed?: string;
  sealedDetained?: number;
  sealedWitnesses?: number;
}

/**
 * What gets stored for P2: the browser's sealed box (checked to be ciphertext for current
 * recipients), or, when JavaScript did not run, a box sealed here from the typed values, which
 * live only in this function's memory and are never logged or stored. An observer's report and a
 * logged call (the hotline module) both come through here.
 */
export function sealedPart(input: SealedFields, plain: PlainP2 | null, recipients: SealingRecipient[], aad: string): { sealed: SealedBox | null; detained: number; witnesses: number } {
  if (input.sealed) {
    if (plain) throw new DomainError(400, "reports.errors.sealedAndPlain", "sealed");
    let box: SealedBox;
    try {
      box = validateSealedBox(JSON.parse(input.sealed));
    } catch {
      throw new DomainError(400, "reports.errors.sealedInvalid", "sealed");
    }
    checkEnvelopes(box, recipients, "sealed");
    return { sealed: box, detained: input.sealedDetained ?? 0, witnesses: input.sealedWitnesses ?? 0 };
  }
  if (!plain) return { sealed: null, detained: 0, witnesses: 0 };
  if (!recipients.length) throw new DomainError(409, "reports.errors.noKeys");
  let sealed: SealedBox;
  try {
    const result = sealJson(
      { v: 1, ...plain.payload },
      recipients.map((r) => ({ keyId: r.keyId, publicKey: fromB64u(r.publicKey) })),
      aad,
    );
    result.contentKey.fill(0);
    sealed = result.sealed;
  } catch {
    throw new DomainError(409, "reports.errors.sealFailed");
  }
  return { sealed, detained: plain.detained, witnesses: plain.witnesses };
}

/** An observer's typed P2 (detained people, witnesses), if any. */
function observerPlain(input: Pick<ReportInput, "detained" | "witnesses">): PlainP2 | null {
  const plain = p2Of(input);
  if (plain.detained.length + plain.witnesses.length === 0) return null;
  return { payload: { detained: plain.detained, witnesses: plain.witnesses }, detained: plain.detained.length, witnesses: plain.witnesses.length };
}

function columnsOf(input: ReportInput, occurredAt: Date) {
  const hasPoint = input.latitude !== undefined && input.longitude !== undefined;
  return {
    occurred_at: occurredAt,
    location: hasPoint
      ? JSON.stringify({ type: "Point", coordinates: [Math.round(input.longitude! * 1e6) / 1e6, Math.round(input.latitude! * 1e6) / 1e6] })
      : null,
    location_accuracy_m: hasPoint && input.accuracy !== undefined ? Math.round(input.accuracy) : null,
    cross_streets: input.crossStreets,
    agent_count_min: input.agentCountMin ?? null,
    agents_possibly_more: input.agentsPossiblyMore,
    vehicle_count: input.vehicleCount ?? null,
    activities: sql<string[]>`${`{${input.activities.join(",")}}`}::text[]`,
    agencies: sql<string[]>`${`{${input.agencies.join(",")}}`}::text[]`,
    masked: input.masked,
    vest_text: input.vestText,
    equipment: input.equipment,
    identified: input.identified,
    warrant: input.warrant,
    home_entry: input.homeEntry,
    consent_asked: input.consentAsked,
    consent_given: input.consentGiven,
    use_of_force: input.useOfForce,
    injuries: input.injuries,
    local_police_assisting: input.localPoliceAssisting,
    officers: JSON.stringify(input.officers.filter((o) => o.name || o.badge)),
    vehicles: JSON.stringify(input.vehicles.filter((v) => v.make || v.colour || v.plate)),
    narrative: input.narrative,
    urgency: input.urgency,
  };
}

export function occurredAtOf(input: ReportInput, timeZone: string, now = new Date()) {
  const at = localDateTime(input.occurredAt, timeZone);
  if (!at) throw new DomainError(400, "reports.errors.when", "occurredAt");
  if (at.getTime() > now.getTime() + 10 * 60_000) throw new DomainError(400, "reports.errors.future", "occurredAt");
  if (at.getTime() < now.getTime() - 90 * 86_400_000) throw new DomainError(400, "reports.errors.tooOld", "occurredAt");
  return at;
}

/**
 * Files a report exactly once: the client_uuid issued with the form makes a repeated submission
 * (a double tap, a retry after a dropped connection, an offline queue replay) land on the same
 * report. Returns its id and whether this call created it.
 */
export function submitReport(claims: Claims, input: ReportInput, timeZone: string): Promise<{ id: string; created: boolean }> {
  return fileReport(claims, input, observerPlain(input), timeZone, "observer");
}

/**
 * Files an observer's report, or a call a hotline volunteer logged (source "hotline": no author,
 * no shift, logged_by the volunteer; docs/decisions/025-hotline-intake.md). RLS decides who may.
 */
export async function fileReport(
  claims: Claims,
  input: ReportInput,
  plain: PlainP2 | null,
  timeZone: string,
  source: "observer" | "hotline",
): Promise<{ id: string; created: boolean }> {
  const occurredAt = occurredAtOf(input, timeZone);
  return withUser(claims, async (trx) => {
    const [existing, recipients] = await Promise.all([
      trx.selectFrom("reports").select("id").where("client_uuid", "=", input.clientUuid).executeTakeFirst(),
      sealingRecipients(claims, trx),
    ]);
    if (existing) return { id: existing.id, created: false };
    const sealed = sealedPart(input, plain, recipients, input.clientUuid);
    const columns = columnsOf(input, occurredAt);
    const zoneId = input.latitude !== undefined && input.longitude !== undefined ? await zoneAt(trx, input.longitude, input.latitude) : null;
    const shift = source === "observer" ? await currentShiftOf(claims, occurredAt, trx) : undefined;
    try {
      const inserted = await trx
        .insertInto("reports")
        .values({
          ...columns,
          client_uuid: input.clientUuid,
          ...(source === "observer" ? { author_id: claims.sub } : { author_id: null, logged_by: claims.sub, source }),
          zone_id: zoneId ?? shift?.zone_id ?? null,
          shift_id: shift?.id ?? null,
          sealed: sealed.sealed ? JSON.stringify(sealed.sealed) : null,
          sealed_detained: sealed.detained,
          sealed_witnesses: sealed.witnesses,
        })
        .onConflict((oc) => oc.column("client_uuid").doNothing())
        .returning("id")
        .executeTakeFirst();
      if (inserted) return { id: inserted.id, created: true };
    } catch (error) {
      if (sqlState(error) === "42501") throw new DomainError(403, source === "observer" ? "reports.errors.notObserver" : "hotline.errors.notHotline");
      throw error;
    }
    // Someone else's report holds this client_uuid (RLS hides it): never reveal or merge it.
    const mine = await trx.selectFrom("reports").select("id").where("client_uuid", "=", input.clientUuid).executeTakeFirst();
    if (!mine) throw new DomainError(409, "reports.errors.clientUuid", "clientUuid");
    return { id: mine.id, created: false };
  });
}

export interface ReportView {
  id: string;
  authorId: string | null;
  mine: boolean;
  zoneName: string | null;
  shiftId: string | null;
  occurredAt: string;
  submittedAt: string;
  location: { type: "Point"; coordinates: [number, number] } | null;
  accuracy: number | null;
  crossStreets: string;
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
  officers: { name: string; badge: string }[];
  vehicles: { make: string; colour: string; plate: string }[];
  narrative: string;
  urgency: string;
  verification: string;
  status: string;
  sealed: boolean;
  sealedDetained: number;
  sealedWitnesses: number;
  underReview: boolean;
  /** The logged call this report verifies (docs/decisions/025-hotline-intake.md), if any. */
  verifiesReport: string | null;
  /** Each addendum; `sealedDetained`/`sealedWitnesses` count the people sealed in it (included in the report's). */
  addenda: { id: string; body: string; sealed: boolean; sealedDetained: number; sealedWitnesses: number; createdAt: string; mine: boolean }[];
}

const iso = (value: string | Date) => new Date(value).toISOString();

/** One report as its author or an attorney sees it (RLS decides); P2 stays ciphertext. */
export async function getReport(claims: Claims, id: string): Promise<ReportView> {
  return (await readReport(claims, id)).report;
}

/** The report as getReport shows it, and its row (review reads its triage columns from it). */
export async function readReport(claims: Claims, id: string) {
  const found = await readAsUser(claims, async (trx) => {
    // Both at once (one round trip): the addenda of a report one may not read are none (RLS).
    const [row, addenda] = await Promise.all([
      trx
        .selectFrom("reports as r")
        .leftJoin("zones as z", "z.id", "r.zone_id")
        .selectAll("r")
        .select("z.name as zone_name")
        .where("r.id", "=", id)
        .executeTakeFirst(),
      trx
        .selectFrom("report_addenda")
        .select(["id", "body", "created_at", "author_id", "sealed_detained", "sealed_witnesses"])
        .select(sql<boolean>`sealed is not null`.as("sealed"))
        .where("report_id", "=", id)
        .orderBy("created_at")
        .execute(),
    ]);
    return row ? { row, addenda } : null;
  });
  if (!found) throw new DomainError(404, "reports.errors.notFound");
  const { row: r, addenda } = found;
  // People added later, sealed in addenda, count with those sealed at submission.
  const sum = (pick: (a: (typeof addenda)[number]) => number) => addenda.reduce((total, a) => total + pick(a), 0);
  const report: ReportView = {
    id: r.id,
    authorId: r.author_id,
    mine: r.author_id === claims.sub,
    zoneName: r.zone_name,
    shiftId: r.shift_id,
    occurredAt: iso(r.occurred_at),
    submittedAt: iso(r.submitted_at),
    location: r.location as ReportView["location"],
    accuracy: r.location_accuracy_m,
    crossStreets: r.cross_streets,
    agentCountMin: r.agent_count_min,
    agentsPossiblyMore: r.agents_possibly_more,
    vehicleCount: r.vehicle_count,
    activities: r.activities,
    agencies: r.agencies,
    masked: r.masked,
    vestText: r.vest_text,
    equipment: r.equipment,
    identified: r.identified,
    warrant: r.warrant,
    homeEntry: r.home_entry,
    consentAsked: r.consent_asked,
    consentGiven: r.consent_given,
    useOfForce: r.use_of_force,
    injuries: r.injuries,
    localPoliceAssisting: r.local_police_assisting,
    officers: r.officers as ReportView["officers"],
    vehicles: r.vehicles as ReportView["vehicles"],
    narrative: r.narrative,
    urgency: r.urgency,
    verification: r.verification,
    status: r.status,
    sealed: r.sealed !== null || addenda.some((a) => a.sealed),
    sealedDetained: r.sealed_detained + sum((a) => a.sealed_detained),
    sealedWitnesses: r.sealed_witnesses + sum((a) => a.sealed_witnesses),
    underReview: r.review_started_at !== null,
    verifiesReport: r.verifies_report,
    addenda: addenda.map((a) => ({
      id: a.id,
      body: a.body,
      sealed: a.sealed,
      sealedDetained: a.sealed_detained,
      sealedWitnesses: a.sealed_witnesses,
      createdAt: iso(a.created_at),
      mine: a.author_id === claims.sub,
    })),
  };
  return { report, row: r };
}

export interface ReportListItem {
  id: string;
  occurredAt: string;
  submittedAt: string;
  zoneName: string | null;
  crossStreets: string;
  activities: string[];
  urgency: string;
  status: string;
  sealedDetained: number;
}

/** The person's own reports, newest first. */
export async function myReports(claims: Claims): Promise<ReportListItem[]> {
  const rows = await readAsUser(claims, (trx) =>
    trx
      .selectFrom("reports as r")
      .leftJoin("zones as z", "z.id", "r.zone_id")
      .select(["r.id", "r.occurred_at", "r.submitted_at", "z.name as zone_name", "r.cross_streets", "r.activities", "r.urgency", "r.status", "r.sealed_detained"])
      .where("r.author_id", "=", claims.sub)
      .orderBy("r.submitted_at", "desc")
      .limit(200)
      .execute(),
  );
  return rows.map((r) => ({
    id: r.id,
    occurredAt: iso(r.occurred_at),
    submittedAt: iso(r.submitted_at),
    zoneName: r.zone_name,
    crossStreets: r.cross_streets,
    activities: r.activities,
    urgency: r.urgency,
    status: r.status,
    sealedDetained: r.sealed_detained,
  }));
}

/** The author corrects P0/P1 fields until an attorney starts review; sealed parts only grow, by addenda. */
export async function updateReport(claims: Claims, id: string, input: ReportInput, timeZone: string) {
  const occurredAt = occurredAtOf(input, timeZone);
  await withUser(claims, async (trx) => {
    const current = await trx.selectFrom("reports").select(["author_id", "review_started_at"]).where("id", "=", id).executeTakeFirst();
    if (!current || current.author_id !== claims.sub) throw new DomainError(404, "reports.errors.notFound");
    if (current.review_started_at) throw new DomainError(409, "reports.errors.underReview");
    const columns = columnsOf(input, occurredAt);
    const zoneId = input.latitude !== undefined && input.longitude !== undefined ? await zoneAt(trx, input.longitude, input.latitude) : undefined;
    const updated = await trx
      .updateTable("reports")
      .set({ ...columns, ...(zoneId !== undefined ? { zone_id: zoneId } : {}) })
      .where("id", "=", id)
      .returning("id")
      .executeTakeFirst();
    if (!updated) throw new DomainError(409, "reports.errors.underReview");
  });
}

/** An addendum: text, sealed details, or both. Append-only. */
export async function addAddendum(claims: Claims, reportId: string, body: string, sealed: SealedBox | null) {
  try {
    await withUser(claims, (trx) =>
      trx
        .insertInto("report_addenda")
        .values({ report_id: reportId, author_id: claims.sub, body, sealed: sealed ? JSON.stringify(sealed) : null })
        .execute(),
    );
  } catch (error) {
    if (sqlState(error) === "42501" || sqlState(error) === "23503") throw new DomainError(404, "reports.errors.notFound");
    if (sqlState(error) === "23514") throw new DomainError(400, "reports.errors.addendumEmpty", "body");
    throw error;
  }
}

/**
 * "Add sealed details": detained people and witnesses learned after the report was sent (also
 * once review started), sealed exactly as at submission — the browser's box, checked to be for
 * current recipients, or, without JavaScript, a box sealed here from the typed values, which live
 * only in memory. Each box is bound to its report and its own id (`addendumAad`). The addendum's
 * id is the browser's (or the form's, issued with the page), so a repeated post is kept once.
 */
export async function addSealedAddendum(claims: Claims, reportId: string, input: SealedAddendumInput): Promise<{ created: boolean }> {
  try {
    return await withUser(claims, async (trx) => {
      const recipients = await sealingRecipients(claims, trx);
      const part = sealedPart(input, observerPlain(input), recipients, addendumAad(reportId, input.addendumId));
      if (!part.sealed) throw new DomainError(400, "addenda.errors.empty", "detained[0].name");
      const inserted = await trx
        .insertInto("report_addenda")
        .values({
          id: input.addendumId,
          report_id: reportId,
          author_id: claims.sub,
          sealed: JSON.stringify(part.sealed),
          sealed_detained: part.detained,
          sealed_witnesses: part.witnesses,
        })
        .onConflict((oc) => oc.column("id").doNothing())
        .returning("id")
        .executeTakeFirst();
      return { created: inserted !== undefined };
    });
  } catch (error) {
    // Another's report (RLS), or none: the same answer, so nobody learns which reports exist.
    if (sqlState(error) === "42501" || sqlState(error) === "23503") throw new DomainError(404, "reports.errors.notFound");
    throw error;
  }
}
