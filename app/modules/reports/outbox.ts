/**
 * The rules of keeping reports on the observer's phone: what a draft may hold, when a queued
 * report is tried again, and what a server answer means. Pure, so it runs (and is tested) anywhere;
 * the IndexedDB side lives in ./on-device.ts.
 */

/** Fields about people (P2): sealed before anything leaves the phone, and never kept in a draft. */
export const isPeopleField = (name: string) => name.startsWith("detained[") || name.startsWith("witnesses[");

/** What a draft keeps of the form: everything typed except details about people and the sealed box. */
export function draftEntries(entries: Iterable<[string, FormDataEntryValue]>): [string, string][] {
  const kept: [string, string][] = [];
  for (const [name, value] of entries) {
    if (typeof value !== "string" || isPeopleField(name) || name === "clientUuid" || name.startsWith("sealed")) continue;
    kept.push([name, value]);
  }
  return kept;
}

/** A draft's entries as the form's `values` ("officers[0].name" becomes officers[0].name; repeated names a list). */
export function formValuesOf(entries: [string, string][]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, value] of entries) {
    const nested = /^(\w+)\[(\d+)\]\.(\w+)$/.exec(name);
    if (nested) {
      const list = (values[nested[1]!] ??= []) as Record<string, string>[];
      (list[Number(nested[2])] ??= {})[nested[3]!] = value;
      continue;
    }
    const before = values[name];
    values[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return values;
}

export interface Draft {
  clientUuid: string;
  owner: string;
  entries: [string, string][];
  updatedAt: number;
}

export type OutboxState = "queued" | "failed" | "sent";

export interface OutboxItem {
  clientUuid: string;
  /** Whose report it is (a hash of the account's email): a phone may be shared, a report never re-attributed. */
  owner: string;
  /** The form exactly as it is sent, details about people already sealed; dropped once sent. */
  body: [string, string][] | null;
  /** The incident's time as typed ("2026-11-26T09:30"), to tell reports apart in the list. */
  occurredAt: string;
  createdAt: number;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  reportId?: string;
  sentAt?: number;
  /** Why it is not sent yet: the server refused it (with its messages), or the session ended. */
  problem?: { status: number; messages: string[] } | { signIn: true };
}

export function newOutboxItem(input: { clientUuid: string; owner: string; body: [string, string][]; now: number }): OutboxItem {
  const occurredAt = input.body.find(([name]) => name === "occurredAt")?.[1] ?? "";
  return {
    clientUuid: input.clientUuid,
    owner: input.owner,
    body: input.body,
    occurredAt,
    createdAt: input.now,
    state: "queued",
    attempts: 0,
    nextAttemptAt: input.now,
  };
}

export type SendOutcome =
  | { kind: "sent"; reportId: string }
  | { kind: "rejected"; status: number; messages: string[] }
  | { kind: "signIn" }
  | { kind: "retry" };

const REPORT_PATH = /^\/reports\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;

/** The report a URL (absolute or a path, e.g. a redirect's Location) points at, if any. */
export function reportIdFromUrl(url: string): string | null {
  let path: string;
  try {
    path = new URL(url, "http://x").pathname;
  } catch {
    return null;
  }
  return REPORT_PATH.exec(path)?.[1]?.toLowerCase() ?? null;
}

/**
 * What the server's answer to a POST of a queued report means. The POST follows its redirect: a
 * report was filed (now or by an earlier attempt) exactly when the answer ends at /reports/<id>.
 */
export function outcomeOfResponse(response: { status: number; url: string }, messages: string[] = []): SendOutcome {
  const reportId = reportIdFromUrl(response.url);
  if (reportId && response.status < 400) return { kind: "sent", reportId };
  let path = "";
  try {
    path = new URL(response.url, "http://x").pathname;
  } catch {
    path = "";
  }
  if (path === "/login" || path.startsWith("/login/")) return { kind: "signIn" };
  // Time-outs and rate limits are worth another try; any other 4xx will be refused again as sent.
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
    return { kind: "rejected", status: response.status, messages };
  }
  return { kind: "retry" };
}

const FIRST_RETRY_MS = 2_000;
const LONGEST_WAIT_MS = 5 * 60_000;

/** How long to wait before attempt number `attempts + 1`: doubling from 2 s up to 5 min, ±20 % so phones do not retry in step. */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(LONGEST_WAIT_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** The item after an attempt. Sent is final: a late answer to an older attempt never undoes it. */
export function afterOutcome(item: OutboxItem, outcome: SendOutcome, now: number, random: () => number = Math.random): OutboxItem {
  if (item.state === "sent") return item;
  switch (outcome.kind) {
    case "sent":
      return { ...item, state: "sent", body: null, reportId: outcome.reportId, sentAt: now, problem: undefined };
    case "rejected":
      return { ...item, state: "failed", attempts: item.attempts + 1, problem: { status: outcome.status, messages: outcome.messages } };
    case "signIn":
    case "retry": {
      const attempts = item.attempts + 1;
      return {
        ...item,
        state: "queued",
        attempts,
        nextAttemptAt: now + backoffMs(attempts, random),
        problem: outcome.kind === "signIn" ? { signIn: true } : undefined,
      };
    }
  }
}

/** Whether to send an item now: when its wait is over, or at once when the phone's situation changed (online again, page opened). */
export const isDue = (item: OutboxItem, now: number, force = false) => item.state === "queued" && (force || item.nextAttemptAt <= now);

/** Sent items stay listed (with their link) for a day, then only their clientUuid is remembered. */
export const SENT_SHOWN_MS = 24 * 60 * 60_000;
export const isExpired = (item: OutboxItem, now: number) => item.state === "sent" && (item.sentAt ?? 0) + SENT_SHOWN_MS < now;

/**
 * The clientUuid for the form being opened. A kept draft goes on with its own; otherwise the one the
 * server issued, unless this phone already queued or sent a report with it, which happens when the
 * page is an older copy (the offline cache, a restored tab): then a new one, so two reports are
 * never merged into one.
 */
export function chooseClientUuid(issued: string, draft: string | undefined, isUsed: (uuid: string) => boolean, mint: () => string): string {
  if (draft && !isUsed(draft)) return draft;
  if (!isUsed(issued)) return issued;
  let fresh = mint();
  while (isUsed(fresh)) fresh = mint();
  return fresh;
}

// In its own module so the root route (every page) does not download this one.
export { isKeptForLater, type KeptForLater } from "./kept-for-later";
