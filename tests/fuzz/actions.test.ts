/**
 * Every form action, fuzzed: 500 hostile submissions each (fast-check), sent in-process with a
 * real session cookie of a person allowed to use it. Bad input must be a 4xx (or a redirect),
 * never a 5xx, never a thrown error (Remix would answer 500) and never an unhandled rejection.
 *
 * A route that gains an `action` fails the first test until it has an entry in SPECS below.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { ActionFunctionArgs, AppLoadContext } from "@remix-run/node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { generateKeyPair, sealJson, toB64u, wrapPrivateKey } from "~/integrations/sealing";
import { pendingSignInCookie, sessionCookie } from "~/modules/auth/cookies.server";
import { newSessionToken, sha256 } from "~/modules/auth/crypto.server";
import { createDispatch } from "~/modules/dispatch/dispatch.server";
import { logCall } from "~/modules/hotline/hotline.server";
import { IntakeSchema } from "~/modules/hotline/schema";
import { createCast, createPersona, type Persona } from "../setup/personas";
import { createTestReport, registerTestKey, type TestKey } from "../setup/reports";
import { createTestShift, createTestZone } from "../setup/shifts";
import { buildRequest, fieldsReadIn, formCase, mutatedJson, ROUTES_DIR, outcomeOf, routesWithAction, type FormShape } from "./forms";

/** 500 in `npm test`; FUZZ_RUNS changes it (more for a long hunt, fewer while working on this file). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);

type Cast = Awaited<ReturnType<typeof createCast>>;

interface World {
  cast: Cast;
  /** Second attorney: only review.key's fuzzing may replace their key. */
  attorney2: Persona;
  /** A hotline volunteer, and a call they logged (ADR 025). */
  hotline: Persona;
  callId: string;
  /** People the admin may fuzz roles, zones and deactivation on (never the actors). */
  victims: Persona[];
  zoneId: string;
  /** A zone only the zone-detail action changes (it may retire it). */
  zoneForDetail: string;
  shiftForCoordinator: string;
  shiftForObserver: string;
  reportId: string;
  /** Dispatches observer_ana was sent on: one only answered, one only called off (dispatch module). */
  dispatchToAnswer: string;
  dispatchToCancel: string;
  key: TestKey;
  sealedNote: string;
  wrappedKey: string;
  publicKey: string;
  polygon: string;
}

interface Spec {
  /** Who posts (null: a visitor); "fresh" gives each run its own new session of that persona. */
  as: keyof Cast | "attorney2" | "hotline" | null;
  freshSession?: boolean;
  /** A pending sign-in (the cookie /login sets before /login/verify). */
  loginEmail?: boolean;
  params?: (w: World) => Record<string, fc.Arbitrary<string>>;
  form: (w: World) => FormShape;
}

const pick = <T,>(...values: T[]) => fc.constantFrom(...values);
const uuidOr = (...ids: string[]) => fc.oneof(pick(...ids), fc.uuid().map(String));
/** A yyyy-mm-dd day, now and then one that does not exist (30 February reads as 2 March in JavaScript). */
const dateArb = fc.oneof(
  { weight: 9, arbitrary: fc.date({ min: new Date("2020-01-01"), max: new Date("2032-12-31"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 2020, max: 2032 }), fc.constantFrom("02-29", "02-30", "02-31", "04-31", "06-31", "13-01", "00-10", "12-32")).map(([y, md]) => `${y}-${md}`) },
);
const timeArb = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
/** A day `from`..`to` days from today (the organisation's days are close enough to UTC's here). */
const dayFromNow = (from: number, to: number) =>
  fc.integer({ min: from, max: to }).map((days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10));
/**
 * Mostly within the last 90 days (a report's window), sometimes outside it. Local time in the
 * organisation's zone, which the settings fuzzing may change: 15 hours back is past in every zone.
 */
const localDateTimeArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 15 * 60, max: 80 * 24 * 60 }).map((minutes) => new Date(Date.now() - minutes * 60_000).toISOString().slice(0, 16)) },
  { weight: 1, arbitrary: fc.tuple(dateArb, timeArb).map(([d, t]) => `${d}T${t}`) },
);
/** 0..max (out of range values come from the hostile strings). */
const smallInt = (max: number) => fc.integer({ min: 0, max }).map(String);
const tri = pick("unknown", "yes", "no");
const langs = pick("en", "es", "pt", "fr", "ht", "ar", "zh", "pl", "tl", "uk", "xx");
const shiftIntent = pick("claim", "waitlist", "leave", "checkIn", "checkOut");

function reportFields(): FormShape["fields"] {
  const fields: FormShape["fields"] = {
    clientUuid: fc.uuid().map(String),
    occurredAt: localDateTimeArb,
    activities: pick("surveilling", "at_home", "questioning", "detaining", "loading", "checkpoint", "workplace", "traffic_stop"),
    agencies: pick("ice_ero", "hsi", "cbp", "other_dhs", "fbi", "local_police", "unknown"),
    agentCountMin: smallInt(500),
    agentsPossiblyMore: pick("on", "true", ""),
    vehicleCount: smallInt(200),
    urgency: pick("critical", "high", "medium", "low"),
    latitude: fc.double({ min: -90, max: 90, noNaN: true }).map(String),
    longitude: fc.double({ min: -180, max: 180, noNaN: true }).map(String),
    accuracy: smallInt(100000),
    crossStreets: pick("26th & Pulaski", "Cermak y Kedzie"),
    masked: tri,
    vestText: pick("POLICE", "ICE"),
    equipment: pick("radios"),
    identified: tri,
    warrant: pick("unknown", "none", "administrative", "judicial"),
    homeEntry: tri,
    consentAsked: tri,
    consentGiven: tri,
    useOfForce: tri,
    injuries: tri,
    localPoliceAssisting: tri,
    narrative: pick("Two unmarked SUVs.", "Dos camionetas."),
    sealed: undefined,
    sealedDetained: smallInt(50),
    sealedWitnesses: smallInt(50),
  };
  for (const i of [0, 1, 5]) {
    fields[`officers[${i}].name`] = pick("Officer Ruiz");
    fields[`officers[${i}].badge`] = pick("4411");
    fields[`vehicles[${i}].plate`] = pick("ABC-1234");
    fields[`detained[${i}].name`] = pick("Persona Detenida");
    fields[`detained[${i}].consentToContact`] = tri;
    fields[`witnesses[${i}].hasVideo`] = tri;
  }
  return fields;
}

function intakeFields(): FormShape["fields"] {
  const fields: FormShape["fields"] = {
    clientUuid: fc.uuid().map(String),
    narrative: pick("Caller says agents at a house.", "Dicen que hay agentes."),
    occurredAt: localDateTimeArb,
    activities: pick("at_home", "detaining", "traffic_stop"),
    agencies: pick("ice_ero", "cbp", "unknown"),
    agentCountMin: smallInt(500),
    agentsPossiblyMore: pick("on", ""),
    urgency: pick("critical", "high", "medium", "low"),
    latitude: fc.double({ min: -90, max: 90, noNaN: true }).map(String),
    longitude: fc.double({ min: -180, max: 180, noNaN: true }).map(String),
    crossStreets: pick("26th & Pulaski", "Cermak y Kedzie"),
    "caller.name": pick("Rosa"),
    "caller.callback": pick("312-555-0101"),
    sealed: undefined,
    sealedDetained: smallInt(50),
  };
  for (const i of [0, 1, 5]) {
    fields[`named[${i}].name`] = pick("Juan");
    fields[`named[${i}].situation`] = pick("detained", "at_risk", "gone");
    fields[`named[${i}].details`] = pick("red jacket");
  }
  return fields;
}

function zoneFields(w: World, observerIds: string[]): FormShape["fields"] {
  return {
    intent: pick("save", "retire", "restore", "assign", "unassign", "import"),
    id: uuidOr(w.zoneForDetail),
    name: pick("Pilsen", "Zona Norte"),
    colour: pick("#0b4f6c", "#FFFFFF", "#fff"),
    priority: smallInt(3),
    notes: pick("Meet at the church."),
    geometry: mutatedJson(JSON.parse(w.polygon)),
    meetingPoint: pick("41.85, -87.70", "41.8520;-87.7001", "91, 181"),
    meetingPointNote: pick("By the mural"),
    observerId: uuidOr(...observerIds),
  };
}

const SPECS: Record<string, Spec> = {
  "admin.people": {
    as: "admin_alma",
    form: (w) => ({
      fields: {
        intent: pick("invite", "roles", "deactivate", "reactivate", "zones", "training", "resend"),
        email: fc.oneof(fc.emailAddress(), pick("OBSERVER_ANA@test.example", "a@b")),
        displayName: pick("Nueva Persona"),
        language: pick("en", "es", "fr"),
        invitationId: fc.uuid().map(String),
        roles: pick("observer", "coordinator", "attorney", "admin", "owner"),
        userId: uuidOr(...w.victims.map((v) => v.id)),
        zoneIds: uuidOr(w.zoneId),
        trainingDate: dateArb,
      },
    }),
  },
  "coordinate.observers": {
    as: "coordinator_carmen",
    form: (w) => ({
      fields: {
        intent: pick("invite", "training", "resend", "preview", "import"),
        email: fc.oneof(fc.emailAddress(), pick("OBSERVER_ANA@test.example", "a@b")),
        displayName: pick("Nueva Persona"),
        language: pick("en", "es", "fr"),
        invitationId: fc.uuid().map(String),
        userIds: uuidOr(...w.victims.map((v) => v.id)),
        trainingDate: dateArb,
        csv: fc.oneof(
          pick("name,email,phone,languages,training date\nRosa,rosa-fuzz@test.example,+1 312 555 0101,en;es,2026-01-10", "name,email\nx,y", "=1+2"),
          fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.emailAddress(), fc.constantFrom("", "+1 312", "-1"), langs, dateArb), { maxLength: 5 }).map(
            (rows) => ["name,email,phone,languages,training date", ...rows.map((r) => r.join(","))].join("\n"),
          ),
        ),
      },
      files: [
        {
          name: "file",
          contents: fc.oneof(
            pick("name,email,phone,languages,training date\nRosa,rosa-file@test.example,,es,2026-01-10\n", "name;email\n", "a,b\n\"unclosed"),
            fc.string({ maxLength: 200 }),
          ),
        },
      ],
    }),
  },
  "admin.settings": {
    as: "admin_alma",
    form: (w) => ({
      fields: {
        intent: pick("recoveryKey", "save", "approveRecovery", "withdrawRecovery", "withdrawAttorneyKey"),
        publicKey: fc.oneof(pick(w.publicKey), fc.uint8Array({ minLength: 31, maxLength: 33 }).map(toB64u)),
        key: fc.oneof(fc.uuid().map(String), pick("not-a-uuid", "")),
        name: pick("Chicago Rapid Response"),
        timeZone: pick("America/Chicago", "UTC", "Mars/Olympus"),
        hotlineNumber: pick("(312) 555-0199"),
        mapTileUrl: pick("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "http://x/{z}"),
        mapAttribution: pick("© OpenStreetMap"),
        trainingValidMonths: smallInt(120),
        defaultLanguage: pick("en", "es", "fr"),
        mediaMaxMb: smallInt(1024),
        retentionDays: fc.integer({ min: 30, max: 3650 }).map(String),
        alertDelayMinutes: fc.oneof(smallInt(10080), pick("-1", "10081", "1.5", "x")),
        alertExpiryDays: fc.oneof(smallInt(90), pick("0", "91", "x")),
        quickExitUrl: pick("https://weather.com/", "http://weather.com/", "javascript:alert(1)", "https://a b/", "https://x.org/'\"<>"),
        draftTtlHours: fc.oneof(smallInt(200), pick("-1", "1.5", "x")),
      },
    }),
  },
  "coordinate.live": {
    as: "coordinator_carmen",
    form: (w) => ({
      fields: {
        intent: pick("acknowledge", "dispatch", "cancelDispatch"),
        alertId: fc.uuid().map(String),
        dispatchId: uuidOr(w.dispatchToCancel),
        // read by parseDispatchForm (app/modules/dispatch/schema.ts)
        report: uuidOr(w.reportId),
        lat: pick("41.805", "41,805", "91", "-87.69"),
        lng: pick("-87.685", "-87.7", "181", "41.8"),
        note: pick("Go to the corner of 26th & Pulaski", "x".repeat(501)),
        key: fc.uuid().map(String),
      },
    }),
  },
  "coordinate.shifts.$id._index": {
    as: "coordinator_carmen",
    params: (w) => ({ id: uuidOr(w.shiftForCoordinator) }),
    form: (w) => ({
      fields: {
        intent: pick("update", "cancel", "assign", "unassign", "reschedule", "editSeries"),
        capacity: smallInt(100),
        notes: pick("Bring water."),
        reason: pick("Weather"),
        observerId: uuidOr(w.cast.observer_ana.id, w.cast.observer_oscar.id),
        assignmentId: fc.uuid().map(String),
        date: fc.oneof(dayFromNow(2, 60), dateArb),
        from: fc.oneof(dayFromNow(2, 60), dateArb),
        startTime: timeArb,
        endTime: timeArb,
        takeOff: uuidOr(w.cast.observer_ana.id),
        needsLanguages: langs,
        needsTeamLead: pick("on", "true"),
      },
    }),
  },
  "coordinate.shifts._index": {
    as: "coordinator_carmen",
    form: (w) => ({
      fields: {
        intent: pick("create"),
        zoneId: uuidOr(w.zoneId),
        repeat: pick("once", "weekly"),
        date: fc.oneof(dayFromNow(2, 60), dateArb),
        startTime: timeArb,
        endTime: timeArb,
        weekdays: pick("1", "2", "3", "7", "8", "0"),
        until: fc.oneof(dayFromNow(10, 120), dateArb),
        capacity: smallInt(100),
        needsLanguages: langs,
        needsTeamLead: pick("on", "true"),
        notes: pick("Bring water."),
      },
    }),
  },
  "coordinate.zones.$id": {
    as: "coordinator_carmen",
    params: (w) => ({ id: uuidOr(w.zoneForDetail) }),
    form: (w) => ({ fields: zoneFields(w, [w.cast.observer_ana.id]) }),
  },
  "coordinate.zones._index": {
    as: "coordinator_carmen",
    form: (w) => ({
      fields: zoneFields(w, [w.cast.observer_oscar.id]),
      files: [
        {
          name: "file",
          contents: fc.oneof(
            mutatedJson({ type: "FeatureCollection", features: [{ type: "Feature", properties: { name: "Imported" }, geometry: JSON.parse(w.polygon) }] }),
            fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
          ),
        },
      ],
    }),
  },
  language: {
    as: "observer_oscar",
    form: () => ({ fields: { lng: pick("en", "es", "fr"), redirectTo: pick("/", "/shifts", "//evil.example", "/\\evil", "https://evil.example/") } }),
  },
  "login._index": {
    as: null,
    form: (w) => ({ fields: { email: fc.oneof(fc.emailAddress(), pick(w.cast.observer_ana.email)), redirectTo: pick("/", "//evil.example") } }),
  },
  "login.verify": {
    as: null,
    loginEmail: true,
    form: () => ({ fields: { code: fc.oneof(fc.integer({ min: 0, max: 999999 }).map((n) => String(n).padStart(6, "0")), pick("12 34 56")), redirectTo: pick("/", "//evil.example") } }),
  },
  // Signing out ends the session: each run signs out a session of its own.
  logout: { as: "observer_ana", freshSession: true, form: () => ({ fields: {} }) },
  // Quick exit ends the session too.
  exit: { as: "observer_ana", freshSession: true, form: () => ({ fields: {} }) },
  "my.shifts": {
    as: "observer_oscar",
    form: (w) => ({
      fields: {
        intent: fc.oneof(pick("calendarCreate", "calendarRevoke", "safetyOk"), shiftIntent),
        alertId: fc.uuid().map(String),
        shiftId: uuidOr(w.shiftForObserver),
      },
    }),
  },
  profile: {
    as: "observer_oscar",
    form: () => ({
      fields: { displayName: pick("Óscar"), phone: pick("+1 (312) 555-0100", "abc"), languages: langs, preferredLanguage: pick("en", "es") },
    }),
  },
  "reports.$id._index": {
    as: "observer_ana",
    params: (w) => ({ id: uuidOr(w.reportId) }),
    form: (w) => ({
      fields: {
        body: pick("I remembered the plate."),
        // "Add sealed details" (ADR 023): typed values sealed on receipt, or a box from the browser;
        // linking the report to a logged call (ADR 025)
        intent: pick("sealed", "", "link", "addendum"),
        tip: uuidOr(w.callId, w.reportId),
        addendumId: fc.uuid().map(String),
        "detained[0].name": pick("Later Person"),
        "detained[0].consentToContact": pick("unknown", "yes", "no"),
        "witnesses[0].contact": pick("555-0100"),
        sealed: pick("{}", '{"v":1}'),
        sealedDetained: pick("1", "0"),
      },
    }),
  },
  "reports.$id.declaration": {
    as: "observer_ana",
    params: (w) => ({ id: uuidOr(w.reportId) }),
    form: () => ({
      fields: { name: pick("Ana María López", "   "), place: pick("Chicago, Illinois", ""), language: pick("en", "es"), saveName: pick("on", "") },
    }),
  },
  "reports.$id.edit": {
    as: "observer_ana",
    params: (w) => ({ id: uuidOr(w.reportId) }),
    form: () => ({ fields: reportFields() }),
  },
  "reports.$id.media": {
    as: "observer_ana",
    params: (w) => ({ id: uuidOr(w.reportId) }),
    form: (w) => ({
      fields: {
        box: mutatedJson(sealJson({ v: 1, kind: "media", sha256: "0".repeat(64) }, [w.key.recipient], `media:${w.reportId}:${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}`).sealed),
        nonce: fc.uint8Array({ minLength: 24, maxLength: 24 }).map(toB64u),
        mediaId: fc.oneof(fc.uuid().map(String), fc.string({ maxLength: 40 })),
        uploadKey: fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("base64url")), fc.string({ maxLength: 60 })),
        contentType: pick("image/jpeg", "video/mp4", "text/html"),
        size: fc.integer({ min: -1, max: 5000 }).map(String),
      },
      files: [{ name: "ciphertext" }, { name: "media" }],
    }),
  },
  "reports.new": { as: "observer_ana", form: () => ({ fields: reportFields() }) },
  "hotline.new": { as: "hotline", form: () => ({ fields: intakeFields() }) },
  "hotline.$id": {
    as: "hotline",
    params: (w) => ({ id: uuidOr(w.callId) }),
    form: () => ({
      fields: {
        // the alert intents are a coordinator's: a hotline volunteer is refused them (403)
        intent: pick("dispatch", "settle", "other", "alertPreview", "alertPublish", "alertUnpublish"),
        note: pick("Go and see", ""),
        key: fc.uuid().map(String),
        verification: pick("confirmed", "false_alarm", "unconfirmed"),
        reason: pick("Observer saw vests", "", "   "),
        publicText: pick("Agents confirmed in the area.", "", "Call 312-555-0100"),
        reviewed: pick("on", ""),
        confirmWarnings: pick("on", ""),
        alertId: fc.uuid().map(String),
      },
    }),
  },
  "review.$id._index": {
    as: "attorney_luis",
    params: (w) => ({ id: uuidOr(w.reportId) }),
    form: (w) => ({
      fields: {
        intent: pick("triage", "hold", "note", "requestInfo", "task", "taskDone", "alertPreview", "alertPublish", "alertUnpublish"),
        status: pick("new", "in_review", "follow_up", "referred", "closed"),
        verification: pick("unconfirmed", "confirmed", "false_alarm"),
        urgency: pick("critical", "high", "medium", "low"),
        assignedTo: uuidOr(w.cast.attorney_luis.id),
        hold: pick("on"),
        holdReason: pick("Litigation"),
        sealed: mutatedJson(JSON.parse(w.sealedNote)),
        noteId: fc.oneof(fc.uuid().map(String), fc.string({ maxLength: 40 })),
        message: pick("Could you tell us more?"),
        taskTitle: pick("Call the family"),
        taskDue: fc.oneof(dayFromNow(0, 30), dateArb),
        taskAssignee: uuidOr(w.cast.attorney_luis.id),
        taskId: fc.uuid().map(String),
        done: pick("true", "false"),
        publicText: fc.oneof(pick("No agents were seen.", "Call 312-555-0100 at 123 Main St", ""), fc.string({ maxLength: 400 })),
        reviewed: pick("on"),
        confirmWarnings: pick("on"),
        alertId: fc.oneof(fc.uuid().map(String), pick("not-a-uuid")),
      },
    }),
  },
  "review.$id.sealed": { as: "attorney_luis", params: (w) => ({ id: uuidOr(w.reportId) }), form: () => ({ fields: {} }) },
  "review.key": {
    as: "attorney2",
    form: (w) => ({
      fields: {
        intent: pick("register", "withdrawAttorneyKey"),
        key: fc.oneof(fc.uuid().map(String), pick("not-a-uuid", "")),
        publicKey: pick(w.publicKey),
        wrapped: mutatedJson(JSON.parse(w.wrappedKey)),
      },
    }),
  },
  "review.share": {
    as: "attorney_luis",
    form: (w) => ({
      fields: {
        intent: pick("batch", "share"),
        keyId: uuidOr(w.key.keyId),
        openWith: fc.oneof(pick(w.key.keyId), fc.array(fc.uuid().map(String), { maxLength: 3 }).map((a) => a.join(","))),
        shares: mutatedJson([{ box: "report", boxId: w.reportId, envelope: JSON.parse(w.sealedNote).envelopes[0] }]),
      },
    }),
  },
  "dispatch.$id": {
    as: "observer_ana",
    params: (w) => ({ id: uuidOr(w.dispatchToAnswer, w.dispatchToCancel) }),
    form: (w) => ({ fields: { response: pick("on_my_way", "cant", "maybe"), intent: pick("link", "answer"), report: uuidOr(w.reportId), tip: uuidOr(w.callId, w.reportId) } }),
  },
  "dispatch.$id.answer": {
    as: "observer_ana",
    params: (w) => ({ id: uuidOr(w.dispatchToAnswer, w.dispatchToCancel) }),
    form: () => ({ fields: { response: pick("on_my_way", "cant", "maybe") } }),
  },
  "push.subscription": {
    as: "observer_ana",
    form: () => ({
      fields: {
        intent: pick("subscribe", "unsubscribe"),
        endpoint: pick("https://push.example.test/send/abc", "http://push.example.test/x", "https://127.0.0.1/x"),
        // a valid P-256 point and auth secret, base64url
        p256dh: pick("BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "AAAA"),
        auth: pick("tBHItJI5svbpez7KI4CCXg", "short"),
      },
    }),
  },
  // "Claim shift" in the list (ADR 022): the shift page's own action, for the shift named in the form.
  "shifts._index": {
    as: "observer_oscar",
    form: (w) => ({ fields: { intent: shiftIntent, shiftId: uuidOr(w.shiftForObserver) } }),
  },
  "shifts.$id": {
    as: "observer_oscar",
    params: (w) => ({ id: uuidOr(w.shiftForObserver) }),
    form: () => ({ fields: { intent: shiftIntent } }),
  },
};

let world: World;
const sessions = new Map<string, string>();
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

async function sessionFor(persona: Persona) {
  const token = newSessionToken();
  await withSystem((trx) =>
    trx
      .insertInto("private.sessions")
      .values({ token_hash: sha256(token), user_id: persona.id, expires_at: sql<Date>`now() + interval '1 day'` })
      .execute(),
  );
  return (await sessionCookie().serialize(token)).split(";")[0]!;
}

beforeAll(async () => {
  process.on("unhandledRejection", onRejection);
  const cast = await createCast();
  const attorney2 = await createPersona("attorney_fuzz", ["attorney"]);
  const hotline = await createPersona("hotline_fuzz", ["hotline"]);
  const victims = [await createPersona("victim_one", ["observer"]), await createPersona("victim_two", ["observer", "coordinator"])];
  const key = await registerTestKey(cast.attorney_luis);
  // Trained today, so shift claims get past the training check whatever validity the settings fuzzing sets.
  await withSystem((trx) => trx.updateTable("profiles").set({ training_date: sql<string>`current_date` }).where("id", "=", cast.observer_oscar.id).execute());
  const zoneId = await createTestZone("Fuzz zone");
  const zoneForDetail = await createTestZone("Fuzz detail zone");
  const reportId = (await createTestReport(cast.observer_ana, { sealedTo: [key.recipient] })).id;
  const pair = generateKeyPair();
  const wrapped = await wrapPrivateKey(pair.privateKey, "a test passphrase", { N: 2 ** 10, r: 8, p: 1 });
  // Ana is out in the fuzz zone, next to the report: the dispatches to it reach her.
  const anasShift = await createTestShift(zoneId, { startsInHours: -0.5, hours: 4 });
  await withSystem((trx) =>
    trx
      .insertInto("shift_assignments")
      .values({ shift_id: anasShift, observer_id: cast.observer_ana.id, status: "checked_in", claimed_at: sql<Date>`now()`, checked_in_at: sql<Date>`now()`, period: "empty" })
      .execute(),
  );
  const dispatchTo = async () => (await createDispatch(cast.coordinator_carmen.claims, { target: { kind: "report", reportId }, note: "", clientKey: null })).id;
  const callId = (
    await logCall(
      hotline.claims,
      IntakeSchema.parse({ clientUuid: crypto.randomUUID(), occurredAt: new Date(Date.now() - 20 * 3_600_000).toISOString().slice(0, 16), crossStreets: "26th & Pulaski", latitude: "41.855", longitude: "-87.695" }),
      "America/Chicago",
    )
  ).id;
  world = {
    cast,
    attorney2,
    hotline,
    callId,
    victims,
    zoneId,
    zoneForDetail,
    shiftForCoordinator: await createTestShift(zoneId, { startsInHours: 48 }),
    shiftForObserver: await createTestShift(zoneId, { startsInHours: 0.25, capacity: 2 }),
    reportId,
    dispatchToAnswer: await dispatchTo(),
    dispatchToCancel: await dispatchTo(),
    key,
    sealedNote: JSON.stringify(sealJson({ text: "Internal note" }, [key.recipient], `${reportId}:note`).sealed),
    wrappedKey: JSON.stringify(wrapped),
    publicKey: toB64u(pair.publicKey),
    polygon: JSON.stringify({
      type: "Polygon",
      coordinates: [[[-87.7, 41.85], [-87.69, 41.85], [-87.69, 41.86], [-87.7, 41.86], [-87.7, 41.85]]],
    }),
  };
  await withSystem((trx) =>
    trx
      .insertInto("zone_assignments")
      .values([cast.observer_oscar, cast.observer_ana].map((o) => ({ observer_id: o.id, zone_id: zoneId })))
      .execute(),
  );
});

afterAll(() => {
  process.off("unhandledRejection", onRejection);
});

it("every route with an action has a fuzz spec, and every spec names such a route", () => {
  expect(Object.keys(SPECS).sort()).toEqual(routesWithAction());
});

it("every field an action reads by name is fuzzed", () => {
  // The fields the route file names itself; schema fields (zod) are listed in SPECS by hand.
  for (const [route, spec] of Object.entries(SPECS)) {
    const shape = spec.form(world);
    const listed = new Set([...Object.keys(shape.fields), ...(shape.files ?? []).map((f) => f.name)]);
    expect(fieldsReadIn(route).filter((f) => !listed.has(f)), route).toEqual([]);
  }
});

describe.each(Object.keys(SPECS))("%s", (route) => {
  it(`answers ${RUNS} hostile posts without a 5xx`, { timeout: 180_000 }, async () => {
    const spec = SPECS[route]!;
    const mod = (await importRoute(path.join(ROUTES_DIR, route))) as { action: (args: ActionFunctionArgs) => Promise<unknown> };
    const persona = spec.as === "attorney2" ? world.attorney2 : spec.as === "hotline" ? world.hotline : spec.as ? world.cast[spec.as] : null;
    if (persona && !spec.freshSession && !sessions.has(persona.id)) sessions.set(persona.id, await sessionFor(persona));
    const loginCookie = spec.loginEmail ? (await pendingSignInCookie().serialize({ email: world.cast.observer_oscar.email, codeId: null })).split(";")[0]! : null;
    const params = spec.params?.(world) ?? {};
    const paramArb = Object.keys(params).length ? fc.record(params) : fc.constant({} as Record<string, string>);
    const statuses = new Map<number, number>();
    const refusals = new Map<string, number>();
    rejections.length = 0;

    const details = await fc.check(
      fc.asyncProperty(paramArb, formCase(spec.form(world)), async (routeParams, form) => {
        const cookies = [persona ? (spec.freshSession ? await sessionFor(persona) : sessions.get(persona.id)!) : null, loginCookie].filter(Boolean);
        const url = `http://localhost/${route.replace(/\._index$/, "").replace(/\$(\w+)/g, (_m, name: string) => encodeURIComponent(routeParams[name] ?? ""))}`;
        const request = buildRequest(url, form, cookies.length ? { Cookie: cookies.join("; ") } : {});
        const context = { cspNonce: "fuzz", clientKey: `fuzz-${route}` } as unknown as AppLoadContext;
        const { status, body } = await outcomeOf(() => mod.action({ request, params: routeParams, context }));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 400 && status < 500) {
          // Which refusal: the first i18n key in the answer (for the summary line).
          const key = /"((?:errors|reports|shifts|zones|people|review|share|keys|settings|live|schedule|dispatch|push)\.[\w.]+)/.exec(JSON.stringify(body) ?? "")?.[1] ?? String(body).slice(0, 30);
          refusals.set(key, (refusals.get(key) ?? 0) + 1);
        }
        if (status >= 500) throw new Error(`answered ${status}`);
      }),
      // FUZZ_SEED and FUZZ_PATH (both printed on failure) replay a failing case.
      { numRuns: RUNS, endOnFailure: true, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined, path: process.env.FUZZ_PATH },
    );
    if (details.failed) {
      // fast-check's own report would paste megabytes of the huge strings; this one is short.
      const error = details.errorInstance;
      const cause = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack?.split("\n").slice(1, 6).join("\n")}` : String(error);
      expect.fail(`${route} failed after ${details.numRuns} runs (seed ${details.seed}, path ${details.counterexamplePath}):\n${cause}\ncounterexample: ${short(details.counterexample)}`);
    }
    // Let any promise the action left behind settle before judging.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(rejections).toEqual([]);
    const top = [...refusals].sort((a, b) => b[1] - a[1]).slice(0, process.env.FUZZ_DEBUG ? 30 : 4);
    console.log(
      `${route}: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(" ")}; most refused: ${top.map(([k, n]) => `${k}×${n}`).join(", ")}`,
    );
  });
});

/** A counterexample with its long strings cut short. */
function short(value: unknown) {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" && v.length > 120 ? `${v.slice(0, 60)}…(${v.length} chars)` : v));
}

async function importRoute(base: string) {
  const ext = [".tsx", ".ts"].find((e) => existsSync(`${base}${e}`));
  if (!ext) throw new Error(`No route module ${base}`);
  return import(/* @vite-ignore */ `${base}${ext}`);
}
