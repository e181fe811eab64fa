import { describe, expect, it } from "vitest";
import {
  afterOutcome,
  backoffMs,
  chooseClientUuid,
  draftEntries,
  formValuesOf,
  isDue,
  isExpired,
  isKeptForLater,
  newOutboxItem,
  outcomeOfResponse,
  reportIdFromUrl,
  SENT_SHOWN_MS,
  type OutboxItem,
} from "./outbox";

const ID = "0b8f8a52-3c1e-4a57-9d2a-6f1d7d5b9e10";
const NOW = Date.UTC(2026, 10, 26, 15, 0);

function form(entries: [string, string][]) {
  const fd = new FormData();
  for (const [name, value] of entries) fd.append(name, value);
  return fd;
}

const queued = (patch: Partial<OutboxItem> = {}): OutboxItem => ({
  ...newOutboxItem({
    clientUuid: "c1",
    owner: "o",
    body: [
      ["occurredAt", "2026-11-26T09:30"],
      ["crossStreets", "26th & Pulaski"],
    ],
    now: NOW,
  }),
  ...patch,
});

describe("drafts keep nothing about people", () => {
  it("drops detained people, witnesses, the sealed box and the clientUuid; keeps the rest", () => {
    const fd = form([
      ["clientUuid", "c1"],
      ["occurredAt", "2026-11-26T09:30"],
      ["activities", "detaining"],
      ["activities", "loading"],
      ["crossStreets", "26th & Pulaski"],
      ["officers[0].badge", "4471"],
      ["detained[0].name", "Ana"],
      ["detained[0].aNumber", "A-123-456-789"],
      ["witnesses[1].contact", "555-0100"],
      ["sealed", "{}"],
      ["sealedDetained", "1"],
    ]);
    fd.append("photo", new Blob(["x"]), "x.jpg");
    const kept = draftEntries(fd.entries());
    expect(kept).toEqual([
      ["occurredAt", "2026-11-26T09:30"],
      ["activities", "detaining"],
      ["activities", "loading"],
      ["crossStreets", "26th & Pulaski"],
      ["officers[0].badge", "4471"],
    ]);
    expect(JSON.stringify(kept)).not.toMatch(/Ana|A-123|555-0100/);
  });

  it("turns entries back into the form's values", () => {
    expect(
      formValuesOf([
        ["crossStreets", "26th & Pulaski"],
        ["activities", "detaining"],
        ["activities", "loading"],
        ["agencies", "hsi"],
        ["officers[1].badge", "4471"],
        ["officers[1].name", "Smith"],
      ]),
    ).toEqual({
      crossStreets: "26th & Pulaski",
      activities: ["detaining", "loading"],
      agencies: "hsi",
      officers: [undefined, { badge: "4471", name: "Smith" }],
    });
  });
});

describe("what the server's answer means", () => {
  it("a final URL at /reports/<id> is a filed report, whoever filed it first", () => {
    expect(outcomeOfResponse({ status: 200, url: `https://testigo.example/reports/${ID}?sent=1` })).toEqual({ kind: "sent", reportId: ID });
    expect(reportIdFromUrl(`/reports/${ID.toUpperCase()}?sent=1`)).toBe(ID);
    expect(reportIdFromUrl("/reports/new")).toBeNull();
    expect(reportIdFromUrl(`/reports/${ID}/edit`)).toBeNull();
  });

  it("refusals are final, with their messages; time-outs, rate limits and 5xx are tried again", () => {
    expect(outcomeOfResponse({ status: 400, url: "https://t.example/reports/new" }, ["Enter the date and time."])).toEqual({
      kind: "rejected",
      status: 400,
      messages: ["Enter the date and time."],
    });
    expect(outcomeOfResponse({ status: 409, url: "https://t.example/reports/new" }).kind).toBe("rejected");
    for (const status of [408, 429, 500, 502, 503]) expect(outcomeOfResponse({ status, url: "https://t.example/reports/new" }).kind).toBe("retry");
    // A 200 that is not a report (a captive portal, a proxy page) proves nothing.
    expect(outcomeOfResponse({ status: 200, url: "https://t.example/reports/new" }).kind).toBe("retry");
  });

  it("a trip to the sign-in page means the session ended: it waits for the observer", () => {
    expect(outcomeOfResponse({ status: 200, url: "https://t.example/login?redirectTo=%2Freports%2Fnew" })).toEqual({ kind: "signIn" });
  });
});

describe("retries", () => {
  it("back off from 2 s, doubling, up to 5 minutes, with ±20 % jitter", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => backoffMs(n, mid))).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000,
    ]);
    expect(backoffMs(1, () => 0)).toBe(1_600);
    expect(backoffMs(1, () => 1)).toBe(2_400);
    expect(backoffMs(50, () => 1)).toBe(360_000);
  });

  it("a failed attempt waits; a forced flush (back online, page opened) does not", () => {
    const item = afterOutcome(queued(), { kind: "retry" }, NOW, () => 0.5);
    expect(item).toMatchObject({ state: "queued", attempts: 1, nextAttemptAt: NOW + 2_000 });
    expect(isDue(item, NOW + 1_999)).toBe(false);
    expect(isDue(item, NOW + 2_000)).toBe(true);
    expect(isDue(item, NOW, true)).toBe(true);
  });

  it("sent is final: the body is dropped and a late failure cannot undo it", () => {
    const sent = afterOutcome(queued({ attempts: 3 }), { kind: "sent", reportId: ID }, NOW);
    expect(sent).toMatchObject({ state: "sent", reportId: ID, body: null, sentAt: NOW });
    expect(afterOutcome(sent, { kind: "retry" }, NOW + 1)).toBe(sent);
    expect(afterOutcome(sent, { kind: "rejected", status: 400, messages: [] }, NOW + 1)).toBe(sent);
    expect(isDue(sent, NOW + 10 ** 9, true)).toBe(false);
  });

  it("a refusal keeps the body (to be corrected) and is not retried", () => {
    const failed = afterOutcome(queued(), { kind: "rejected", status: 409, messages: ["The legal team's keys changed."] }, NOW);
    expect(failed).toMatchObject({ state: "failed", problem: { status: 409 } });
    expect(failed.body).not.toBeNull();
    expect(isDue(failed, NOW + 10 ** 9, true)).toBe(false);
  });

  it("a failed attempt after a refusal or sign-in clears the old problem", () => {
    const signIn = afterOutcome(queued(), { kind: "signIn" }, NOW, () => 0.5);
    expect(signIn.problem).toEqual({ signIn: true });
    expect(afterOutcome(signIn, { kind: "retry" }, NOW, () => 0.5).problem).toBeUndefined();
  });

  it("sent reports stay listed for a day", () => {
    const sent = afterOutcome(queued(), { kind: "sent", reportId: ID }, NOW);
    expect(isExpired(sent, NOW + SENT_SHOWN_MS)).toBe(false);
    expect(isExpired(sent, NOW + SENT_SHOWN_MS + 1)).toBe(true);
    expect(isExpired(queued({ createdAt: 0 }), NOW)).toBe(false);
  });

  it("a new item carries the incident's time for the list", () => {
    expect(queued()).toMatchObject({ occurredAt: "2026-11-26T09:30", state: "queued", attempts: 0, nextAttemptAt: NOW });
  });
});

describe("a fresh clientUuid for each new report", () => {
  let n = 0;
  const mint = () => `minted-${++n}`;

  it("a kept draft goes on with its own", () => {
    expect(chooseClientUuid("issued", "draft", () => false, mint)).toBe("draft");
  });

  it("the issued one is used when this phone never sent it", () => {
    expect(chooseClientUuid("issued", undefined, () => false, mint)).toBe("issued");
  });

  it("an older copy of the page (its clientUuid already queued or sent) gets a new one", () => {
    const used = new Set(["issued", "minted-1"]);
    n = 0;
    expect(chooseClientUuid("issued", undefined, (u) => used.has(u), mint)).toBe("minted-2");
    expect(chooseClientUuid("issued", "issued", (u) => used.has(u), mint)).toBe("minted-3");
  });

  it("recognises the form's kept-for-later answer", () => {
    expect(isKeptForLater({ keptOnPhone: true, clientUuid: "c" })).toBe(true);
    expect(isKeptForLater({ result: {} })).toBe(false);
    expect(isKeptForLater(undefined)).toBe(false);
  });
});
