/**
 * Reports kept on the observer's phone, in IndexedDB: the draft being typed (never details about
 * people), the outbox of reports waiting for signal (details about people already sealed), and the
 * clientUuids this phone has used. Browser only: nothing here runs until called.
 */
import { isRouteErrorResponse } from "@remix-run/react";
import { createStore, del, entries, get, promisifyRequest, set, values, type UseStore } from "idb-keyval";
import type { WipeMessage } from "~/modules/wipe/channel";
import {
  afterOutcome,
  chooseClientUuid,
  draftEntries,
  isDue,
  isExpired,
  newOutboxItem,
  outcomeOfResponse,
  reportIdFromUrl,
  type Draft,
  type KeptForLater,
  type OutboxItem,
  type SendOutcome,
} from "./outbox";

// ---------------------------------------------------------------------------------------------
// Wiping the phone (signing out, "Quick exit"; ~/modules/wipe/wipe announces it): the other tabs
// stop keeping drafts, drop what their pages hold, and leave.

let started = false;
/** This phone is being wiped (told by any tab, this one too): nothing may be kept any more. */
export const wipeStarted = () => started;

/** Calls `listener` when a tab of this phone (this one too) starts wiping it. */
function onWipe(listener: (message: WipeMessage) => void): () => void {
  if (typeof BroadcastChannel !== "function") return () => undefined;
  const channel = new BroadcastChannel("testigo-wipe");
  channel.onmessage = (event: MessageEvent<WipeMessage>) => {
    started = true;
    listener(event.data);
  };
  return () => channel.close();
}

// ---------------------------------------------------------------------------------------------

// One database per store: idb-keyval's stores are that simple, and no transaction spans two.
let stores: { drafts: UseStore; outbox: UseStore; used: UseStore } | undefined;
const db = () => {
  // Another tab signs out or leaves by "Quick exit": this one keeps nothing more, and goes too.
  if (!stores && typeof window !== "undefined") {
    onWipe((message) => {
      // This tab is the one wiping (~/modules/wipe/wipe marks it): it leaves on its own.
      if (document.documentElement.dataset.wiping) return;
      if (message.kind === "quickExit") location.replace(message.to);
      // The other tab's sign-out is on its way: by then this session has ended.
      else setTimeout(() => location.replace("/login"), 1500);
    });
  }
  return (stores ??= {
    drafts: createStore("testigo-drafts", "drafts"),
    outbox: createStore("testigo-outbox", "outbox"),
    used: createStore("testigo-used", "used"),
  });
};

export const onDeviceAvailable = () => typeof indexedDB !== "undefined";

const bytesToHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

const SALT_KEY = "testigo:device-salt";
let memorySalt: string | undefined;
/**
 * A random value of this phone's own, kept in its localStorage (wiped with everything else at
 * sign-out), so the owner tag of an account differs from phone to phone and from one sign-in to
 * the next: a tag seen on one seized phone cannot be matched against another's.
 */
function deviceSalt(): string {
  try {
    let salt = localStorage.getItem(SALT_KEY);
    if (!salt || !/^[0-9a-f]{32}$/.test(salt)) {
      salt = bytesToHex(crypto.getRandomValues(new Uint8Array(16)));
      localStorage.setItem(SALT_KEY, salt);
    }
    return salt;
  } catch {
    // Storage blocked (private mode): IndexedDB is too, so nothing outlives the page anyway.
    return (memorySalt ??= bytesToHex(crypto.getRandomValues(new Uint8Array(16))));
  }
}

/**
 * SHA-256 from @noble (WebCrypto's digest exists only on https pages), fetched when first needed:
 * the form's first JavaScript has a budget (ADR 009), and the sealing code loads the same file.
 */
const tagOf = async (text: string) => bytesToHex((await import("@noble/hashes/sha2.js")).sha256(new TextEncoder().encode(text))).slice(0, 32);
const normalEmail = (email: string) => email.trim().toLowerCase();

/** The account a draft or queued report belongs to, salted per phone, without writing the email itself on the phone. */
export const ownerTag = (email: string) => tagOf(`testigo:${deviceSalt()}:${normalEmail(email)}`);

/** The tag before it was salted (the same on every phone): found once, then replaced (see adoptUnsalted). */
export const unsaltedOwnerTag = (email: string) => tagOf(`testigo:${normalEmail(email)}`);

/**
 * Drafts and queued reports written before tags were salted carry the unsalted tag of their
 * account: they are re-tagged with this phone's salted one, so nothing waiting is lost and the
 * unsalted tag leaves the phone. Other accounts' items wait until those accounts sign in here.
 */
export async function adoptUnsalted(email: string) {
  const [from, to] = await Promise.all([unsaltedOwnerTag(email), ownerTag(email)]);
  let moved = 0;
  for (const store of [db().drafts, db().outbox]) {
    for (const [key, item] of (await entries<IDBValidKey, { owner: string }>(store)) ?? []) {
      if (item?.owner !== from) continue;
      await set(key, { ...item, owner: to }, store);
      moved += 1;
    }
  }
  if (moved) changed();
}

/** Drafts older than the organisation's limit are deleted, whoever's they are; they are never offered. */
export async function forgetExpiredDrafts(ttlHours: number, now = Date.now()) {
  const oldest = now - ttlHours * 3_600_000;
  for (const draft of (await values<Draft>(db().drafts)) ?? []) {
    if (!(draft.updatedAt >= oldest)) await del(draft.clientUuid, db().drafts);
  }
}


/** A v4 UUID made here; crypto.randomUUID only exists on https pages. */
export function mintClientUuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---------------------------------------------------------------------------------------------
// Change notices, within this tab and to the phone's other tabs

const listeners = new Set<() => void>();
let channel: BroadcastChannel | null | undefined;
function broadcast() {
  if (channel === undefined) {
    channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("testigo-reports-on-device") : null;
    if (channel) channel.onmessage = () => listeners.forEach((l) => l());
  }
  return channel;
}
function changed() {
  listeners.forEach((l) => l());
  broadcast()?.postMessage("changed");
}
export function subscribe(listener: () => void): () => void {
  broadcast();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Reports this tab is sending right now (shown as "Sending…"; the outbox does not send them a
 * second time meanwhile). A mark lapses on its own, so a send that never ended blocks nothing.
 */
const sending = new Map<string, number>();
export const isSending = (clientUuid: string) => (sending.get(clientUuid) ?? 0) > Date.now();
function markSending(clientUuid: string, on: boolean) {
  if (on) sending.set(clientUuid, Date.now() + SEND_TIMEOUT_MS + 5_000);
  else sending.delete(clientUuid);
  listeners.forEach((l) => l());
}

// ---------------------------------------------------------------------------------------------
// Drafts

export async function saveDraft(draft: Draft) {
  const store = db().drafts;
  // Signing out or leaving by "Quick exit" (here or in another tab): nothing more is kept.
  if (wipeStarted()) return;
  await set(draft.clientUuid, draft, store);
}

export async function discardDraft(clientUuid: string) {
  await del(clientUuid, db().drafts);
  changed();
}

async function wasUsed(clientUuid: string) {
  const [used, queued] = await Promise.all([get(clientUuid, db().used), get(clientUuid, db().outbox)]);
  return used !== undefined || queued !== undefined;
}

/**
 * Opens the form: the newest draft of this account (younger than `ttlHours`) comes back with its clientUuid; without one the
 * issued clientUuid is kept unless this phone already used it. A draft whose report is already in
 * the outbox (the phone stopped between the two writes) is dropped: the outbox has it.
 */
export async function openForm(owner: string, issued: string, ttlHours = 24): Promise<{ clientUuid: string; draft: Draft | null }> {
  await forgetExpiredDrafts(ttlHours);
  const all = ((await values<Draft>(db().drafts)) ?? []).filter((d) => d.owner === owner).sort((a, b) => b.updatedAt - a.updatedAt);
  const used = new Set<string>();
  for (const uuid of new Set([issued, ...all.map((d) => d.clientUuid)])) if (await wasUsed(uuid)) used.add(uuid);
  for (const stale of all.filter((d) => used.has(d.clientUuid))) await del(stale.clientUuid, db().drafts);
  const draft = all.find((d) => !used.has(d.clientUuid) && d.entries.length > 0) ?? null;
  let clientUuid = chooseClientUuid(issued, draft?.clientUuid, (u) => used.has(u), mintClientUuid);
  // A freshly minted one is checked too, however unlikely a collision is.
  while (clientUuid !== issued && clientUuid !== draft?.clientUuid && (await wasUsed(clientUuid))) clientUuid = mintClientUuid();
  return { clientUuid, draft };
}

// ---------------------------------------------------------------------------------------------
// The outbox

/** Reads and rewrites one item in a single transaction; `next` returning null leaves it alone. */
function change(clientUuid: string, next: (item: OutboxItem) => OutboxItem | null) {
  return db().outbox(
    "readwrite",
    (store) =>
      new Promise<OutboxItem | null>((resolve, reject) => {
        const request = store.get(clientUuid);
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const item = request.result as OutboxItem | undefined;
          const updated = item ? next(item) : null;
          if (updated) store.put(updated, clientUuid);
          promisifyRequest(store.transaction).then(() => resolve(updated), reject);
        };
      }),
  );
}

/**
 * Keeps a sealed report on the phone before it is sent: from here on it is sent, however often
 * the network or the phone fails, until the server has it. Its clientUuid is marked used and its
 * draft goes (the outbox copy holds the same, with details about people sealed).
 */
export async function keepInOutbox(input: { clientUuid: string; owner: string; body: [string, string][] }) {
  // The form's own attempt follows at once: the outbox leaves it to that attempt.
  markSending(input.clientUuid, true);
  const existing = await get<OutboxItem>(input.clientUuid, db().outbox);
  if (!existing) await set(input.clientUuid, newOutboxItem({ ...input, now: Date.now() }), db().outbox);
  await set(input.clientUuid, Date.now(), db().used);
}

/** The report waits for later (the first attempt failed): its draft is no longer needed. */
async function settleQueued(clientUuid: string) {
  await del(clientUuid, db().drafts);
  changed();
}

export async function recordOutcome(clientUuid: string, outcome: SendOutcome) {
  const item = await change(clientUuid, (item) => afterOutcome(item, outcome, Date.now()));
  if (outcome.kind === "sent") await del(clientUuid, db().drafts);
  changed();
  return item;
}

/** The first attempt was refused as invalid: the report stays in the form to be corrected, not in the outbox. */
async function withdraw(clientUuid: string) {
  await del(clientUuid, db().outbox);
  await del(clientUuid, db().used);
  changed();
}

export async function outboxOf(owner: string): Promise<OutboxItem[]> {
  const now = Date.now();
  const items = ((await values<OutboxItem>(db().outbox)) ?? []).filter((i) => i.owner === owner);
  for (const old of items.filter((i) => isExpired(i, now))) await del(old.clientUuid, db().outbox);
  return items.filter((i) => !isExpired(i, now)).sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * A refused report goes back into the form as a draft, under a new clientUuid, to be corrected.
 * Its sealed part cannot be reopened on the phone: details about people are typed again.
 */
export async function reopenAsDraft(clientUuid: string): Promise<Draft | null> {
  const item = await get<OutboxItem>(clientUuid, db().outbox);
  if (!item?.body) return null;
  const draft: Draft = {
    clientUuid: mintClientUuid(),
    owner: item.owner,
    // the same filter as drafts: never people's details, never the sealed part
    entries: draftEntries(item.body),
    updatedAt: Date.now(),
  };
  await saveDraft(draft);
  await del(clientUuid, db().outbox);
  changed();
  return draft;
}

const SEND_TIMEOUT_MS = 30_000;
/** On one bar of signal the form's own attempt may hang: after this, the report waits in the outbox. */
const FIRST_ATTEMPT_MS = 20_000;

class TimedOut extends Error {}

/**
 * The form's own attempt (Remix's call of the route action), with the report already in the outbox:
 * - filed (a redirect to /reports/<id>): marked sent, and the redirect goes on to the report;
 * - refused as invalid (the action's data with field errors, or a 4xx): out of the outbox, back to the form;
 * - offline, aborted, timed out, or a server error: it waits in the outbox, and the form starts a new report.
 */
export async function firstAttempt<T>(clientUuid: string, attempt: () => Promise<T>): Promise<T | KeptForLater> {
  const kept = await get<OutboxItem>(clientUuid, db().outbox).then(Boolean, () => false);
  markSending(clientUuid, true);
  const pending = attempt();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const result = await Promise.race([pending, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimedOut()), FIRST_ATTEMPT_MS)))]);
    // The action only answers with data when it refuses what was typed.
    if (kept) await withdraw(clientUuid);
    return result;
  } catch (error) {
    if (error instanceof Response) {
      const location = error.headers.get("Location") ?? "";
      const reportId = reportIdFromUrl(location);
      if (kept && reportId) await recordOutcome(clientUuid, { kind: "sent", reportId });
      else if (kept && /^\/login([/?]|$)/.test(location)) {
        // Signed out meanwhile: it is sent once the observer signs in again.
        await recordOutcome(clientUuid, { kind: "signIn" });
        await settleQueued(clientUuid);
      }
      throw error;
    }
    if (isRouteErrorResponse(error) && error.status < 500 && error.status !== 408 && error.status !== 429) {
      if (kept) await withdraw(clientUuid);
      throw error;
    }
    if (!kept) return { keptOnPhone: false, clientUuid };
    await recordOutcome(clientUuid, { kind: "retry" });
    await settleQueued(clientUuid);
    if (error instanceof TimedOut) {
      // A late answer still counts: the server may have filed it after all.
      pending.catch((late: unknown) => {
        const reportId = late instanceof Response ? reportIdFromUrl(late.headers.get("Location") ?? "") : null;
        if (reportId) void recordOutcome(clientUuid, { kind: "sent", reportId });
      });
    }
    return { keptOnPhone: true, clientUuid };
  } finally {
    clearTimeout(timer);
    markSending(clientUuid, false);
  }
}

/** Text of the field errors on the page the server answered with (already in the observer's language). */
function errorMessagesOf(html: string): string[] {
  if (typeof DOMParser !== "function") return [];
  const doc = new DOMParser().parseFromString(html, "text/html");
  return [...doc.querySelectorAll(".error-text")].map((e) => e.textContent?.trim() ?? "").filter(Boolean);
}

/**
 * One POST of a queued report, as the form without JavaScript would send it. The server files a
 * clientUuid once, so a repeat of an attempt whose answer was lost lands on the same report.
 */
export async function sendQueued(item: OutboxItem): Promise<SendOutcome> {
  if (!item.body) return { kind: "retry" };
  try {
    const response = await fetch("/reports/new", {
      method: "POST",
      body: new URLSearchParams(item.body),
      credentials: "same-origin",
      redirect: "follow",
      cache: "no-store",
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    const refused = response.status >= 400 && response.status < 500;
    const messages = refused ? errorMessagesOf(await response.text().catch(() => "")) : [];
    if (!refused) await response.body?.cancel().catch(() => undefined);
    return outcomeOfResponse({ status: response.status, url: response.url }, messages);
  } catch {
    // Offline, aborted, timed out: the server may or may not have it; the next attempt will tell.
    return { kind: "retry" };
  }
}

// ---------------------------------------------------------------------------------------------
// Sending what waits, whenever there is a chance

let flushing: Promise<void> | null = null;
let flushAgain: { force: boolean } | null = null;

async function flushOnce(owner: string, force: boolean) {
  const now = Date.now();
  const due = (await outboxOf(owner)).filter((i) => isDue(i, now, force) && !isSending(i.clientUuid));
  for (const item of due) {
    if (typeof navigator !== "undefined" && navigator.onLine === false) break;
    markSending(item.clientUuid, true);
    try {
      const outcome = await sendQueued(item);
      await recordOutcome(item.clientUuid, outcome);
    } finally {
      markSending(item.clientUuid, false);
    }
  }
}

/** Sends every queued report of `owner` that is due (all of them with `force`), one tab at a time. */
export function flushOutbox(owner: string, force = false): Promise<void> {
  if (flushing) {
    flushAgain = { force: force || Boolean(flushAgain?.force) };
    return flushing;
  }
  const run = async () => {
    const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
    if (locks) await locks.request("testigo-report-outbox", () => flushOnce(owner, force));
    else await flushOnce(owner, force);
  };
  flushing = run()
    .catch(() => undefined)
    .finally(() => {
      flushing = null;
      const again = flushAgain;
      flushAgain = null;
      if (again) void flushOutbox(owner, again.force);
    });
  return flushing;
}

/** When the next queued report of `owner` is due, if any. */
export async function nextDueAt(owner: string): Promise<number | null> {
  const queued = (await outboxOf(owner)).filter((i) => i.state === "queued");
  return queued.length ? Math.min(...queued.map((i) => i.nextAttemptAt)) : null;
}
