import { randomBytes } from "node:crypto";
import { sql, withSystem, withUser } from "../../app/db/client.server";
import { fileStore } from "../../app/integrations/file-store.server";
import {
  generateKeyPair,
  sealJson,
  sha256Hex,
  toB64u,
  wrapPrivateKey,
  type Recipient,
} from "../../app/integrations/sealing";
import { addendumAad } from "../../app/modules/reports/addenda";
import { MEDIA_AAD_VERSION, mediaAad } from "../../app/modules/reports/media";
import type { Persona } from "./personas";

/** An attorney's registered key pair, with the private half kept by the test (as the browser would). */
export interface TestKey {
  keyId: string;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
  recipient: Recipient;
}

export async function registerTestKey(attorney: Persona): Promise<TestKey> {
  const pair = generateKeyPair();
  const wrapped = await wrapPrivateKey(pair.privateKey, "a test passphrase", { N: 2 ** 10, r: 8, p: 1 });
  const { rows } = await withUser(attorney.claims, (trx) =>
    sql<{ id: string }>`select private.register_attorney_key(${toB64u(pair.publicKey)}, ${JSON.stringify(wrapped)}::jsonb) as id`.execute(
      trx,
    ),
  );
  const keyId = rows[0]!.id;
  return { keyId, ...pair, recipient: { keyId, publicKey: pair.publicKey } };
}

export interface TestReportOptions {
  /** Seal detained people to these keys (none: nothing sealed). */
  sealedTo?: Recipient[];
  /** [longitude, latitude]; null for cross streets only. */
  point?: [number, number] | null;
  accuracy?: number | null;
  narrative?: string;
}

/** A submitted report, straight into the database as its author would have filed it. */
export async function createTestReport(author: Persona, options: TestReportOptions = {}) {
  const { sealedTo, point = [-87.69537, 41.80512], accuracy = 12, narrative = "Two unmarked SUVs." } = options;
  const clientUuid = crypto.randomUUID();
  const sealed = sealedTo?.length ? sealJson({ v: 1, detained: [{ name: "Sealed Person" }], witnesses: [] }, sealedTo, clientUuid).sealed : null;
  const row = await withSystem((trx) =>
    trx
      .insertInto("reports")
      .values({
        client_uuid: clientUuid,
        author_id: author.id,
        occurred_at: sql<Date>`now() - interval '1 hour'`,
        location: point ? JSON.stringify({ type: "Point", coordinates: point }) : null,
        location_accuracy_m: point ? accuracy : null,
        cross_streets: "26th & Pulaski",
        activities: ["detaining"],
        agencies: ["ice_ero"],
        narrative,
        sealed: sealed ? JSON.stringify(sealed) : null,
        sealed_detained: sealed ? 1 : 0,
      })
      .returning("id")
      .executeTakeFirstOrThrow(),
  );
  return { id: row.id, clientUuid };
}

/** A sealed photo: its ciphertext in the file store, its record (key envelopes) in the database. */
export async function addTestMedia(reportId: string, uploader: Persona, sealedTo: Recipient[]) {
  const original = randomBytes(64);
  const sha256 = sha256Hex(original);
  const id = crypto.randomUUID();
  const ciphertext = randomBytes(80);
  const storageKey = await fileStore().put(ciphertext);
  // As sealMedia seals it: the original's hash only inside the box, bound to the medium's own id.
  const { sealed } = sealJson({ v: 1, kind: "media", sha256, contentType: "image/jpeg", size: original.length }, sealedTo, mediaAad(reportId, { id, aadV: MEDIA_AAD_VERSION }));
  const row = await withSystem((trx) =>
    trx
      .insertInto("report_media")
      .values({
        id,
        report_id: reportId,
        uploaded_by: uploader.id,
        aad_v: MEDIA_AAD_VERSION,
        content_type: "image/jpeg",
        size_bytes: ciphertext.length,
        sealed: JSON.stringify(sealed),
        storage_key: storageKey,
        nonce: toB64u(randomBytes(24)),
      })
      .returning("id")
      .executeTakeFirstOrThrow(),
  );
  return { id: row.id, storageKey, sha256 };
}

/** An internal note, sealed as the attorney's browser seals it, inserted as that attorney. */
export async function addTestNote(attorney: Persona, reportId: string, sealedTo: Recipient[]) {
  const { sealed } = sealJson({ text: "Internal note" }, sealedTo, `${reportId}:note`);
  const row = await withUser(attorney.claims, (trx) =>
    trx
      .insertInto("report_notes")
      .values({ report_id: reportId, author_id: attorney.id, sealed: JSON.stringify(sealed) })
      .returning("id")
      .executeTakeFirstOrThrow(),
  );
  return row.id;
}

/** An addendum by the author, with sealed details (bound to the report and its id) and optionally some text. */
export async function addSealedAddendum(author: Persona, reportId: string, sealedTo: Recipient[], body = "") {
  const id = crypto.randomUUID();
  const { sealed } = sealJson({ v: 1, detained: [{ name: "Later Person" }], witnesses: [] }, sealedTo, addendumAad(reportId, id));
  const row = await withUser(author.claims, (trx) =>
    trx
      .insertInto("report_addenda")
      .values({ id, report_id: reportId, author_id: author.id, body, sealed: JSON.stringify(sealed), sealed_detained: 1 })
      .returning("id")
      .executeTakeFirstOrThrow(),
  );
  return row.id;
}

/** Triage as an attorney, through the database function the app calls. */
export function triage(
  attorney: Persona,
  reportId: string,
  change: { status?: string | null; verification?: string | null; urgency?: string | null; assignedTo?: string | null } = {},
) {
  return withUser(attorney.claims, (trx) =>
    sql`select private.triage_report(${reportId}::uuid, ${change.status ?? null}::public.report_status, ${change.verification ?? null}::public.report_verification,
      ${change.urgency ?? null}::public.report_urgency, ${change.assignedTo ?? null}::uuid)`.execute(trx),
  );
}

/** Closes the report (as an attorney) and moves its closing `daysAgo` days into the past. */
export async function closeTestReport(attorney: Persona, reportId: string, daysAgo: number) {
  await triage(attorney, reportId, { status: "closed" });
  await withSystem((trx) =>
    trx
      .updateTable("reports")
      .set({ closed_at: sql<Date>`now() - make_interval(days => ${daysAgo})` })
      .where("id", "=", reportId)
      .execute(),
  );
}
