import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb, sql, withSystem } from "~/db/client.server";
import { readOutbox, sendMail } from "~/integrations/mail.server";
import { createPersona, type Persona } from "../../../tests/setup/personas";
import { createTestShift, createTestZone } from "../../../tests/setup/shifts";
import { runJobsOnce, startJobRunner, type JobCounts } from "~/jobs/jobs.server";
import { cancelShift, claimShift, leaveShift } from "./shifts.server";

// The real sender (development outbox), wrapped so a test can make one delivery fail.
vi.mock("~/integrations/mail.server", async (importOriginal) => {
  const actual = await importOriginal<typeof import("~/integrations/mail.server")>();
  return { ...actual, sendMail: vi.fn(actual.sendMail) };
});

const today = new Date().toISOString().slice(0, 10);
let counter = 0;
let zoneId: string;
let coordinator: Persona;
let timeZone: string;

async function observer(language: "en" | "es" = "en") {
  const persona = await createPersona(`jobs_observer_${++counter}`, ["observer"], { trainingDate: today });
  await withSystem((trx) =>
    trx.updateTable("profiles").set({ preferred_language: language, display_name: `Observer ${counter}` }).where("id", "=", persona.id).execute(),
  );
  return persona;
}

const nameOf = (persona: Persona) => `Observer ${/_(\d+)@/.exec(persona.email)![1]}`;
const mailsTo = (persona: Persona) => readOutbox().filter((m) => m.to === persona.email);

async function jobsOf(assignmentId: string) {
  const { rows } = await withSystem((trx) =>
    sql<{ kind: string; attempts: number; done_at: Date | null; last_error: string | null; due_in_seconds: number; payload: { reminder?: string } }>`
      select kind, attempts, done_at, last_error, payload, extract(epoch from run_at - now())::float8 as due_in_seconds
      from private.jobs where payload ->> 'assignment_id' = ${assignmentId}`.execute(trx),
  );
  return rows;
}

function add(total: JobCounts, counts: JobCounts) {
  total.sent += counts.sent;
  total.skipped += counts.skipped;
  total.failed += counts.failed;
}

beforeAll(async () => {
  zoneId = await createTestZone("Pilsen");
  await withSystem((trx) =>
    trx.updateTable("zones").set({ meeting_point_note: "Corner of 18th and Blue Island" }).where("id", "=", zoneId).execute(),
  );
  coordinator = await createPersona("jobs_coordinator", ["coordinator"]);
  timeZone = (await withSystem((trx) => trx.selectFrom("org_settings").select("time_zone").executeTakeFirstOrThrow())).time_zone;
});

afterEach(async () => {
  // Leaves nothing due behind for the next test.
  await runJobsOnce();
});

describe("reminders", () => {
  it("the day before: one to each claimed observer in their language, none to the waitlist", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 20, capacity: 2 });
    const ana = await observer("es");
    const eve = await observer("en");
    const oscar = await observer("en");
    await claimShift(ana.claims, shift);
    await claimShift(eve.claims, shift);
    expect((await claimShift(oscar.claims, shift)).status).toBe("waitlisted");

    const counts = await runJobsOnce();
    expect(counts).toEqual({ sent: 2, skipped: 0, failed: 0 });

    const startsAt = (await withSystem((trx) => trx.selectFrom("shifts").select("starts_at").where("id", "=", shift).executeTakeFirstOrThrow())).starts_at;
    const local = (lang: string, options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(lang, { timeZone, ...options }).format(startsAt);

    const [spanish] = mailsTo(ana);
    expect(mailsTo(ana)).toHaveLength(1);
    const spanishDay = `${local("es", { weekday: "long" })} ${local("es", { day: "numeric" })} de ${local("es", { month: "long" })}`;
    expect(spanish!.subject).toBe(`Recordatorio: tu turno en Pilsen, ${spanishDay}`);
    expect(spanish!.text).toContain(`Hola, ${nameOf(ana)}:`);
    expect(spanish!.text).toContain(`Cuándo: ${spanishDay}`);
    expect(spanish!.text).toContain(local("es", { hour: "numeric", minute: "2-digit", hourCycle: "h23" }));
    expect(spanish!.text).toContain("Punto de encuentro: Corner of 18th and Blue Island");
    expect(spanish!.text).toContain(`Ver el turno: http://localhost:3000/shifts/${shift}`);

    const [english] = mailsTo(eve);
    expect(mailsTo(eve)).toHaveLength(1);
    expect(english!.subject).toBe(`Reminder: your shift in Pilsen, ${local("en-US", { weekday: "long", month: "long", day: "numeric" })}`);
    expect(english!.text).toContain(`Hi ${nameOf(eve)},`);
    expect(english!.text).toContain(local("en-US", { hour: "numeric", minute: "2-digit" }).replace(/\s/g, " "));
    expect(english!.text).toContain(`See the shift: http://localhost:3000/shifts/${shift}`);

    // Nobody reads about anyone else on the shift.
    for (const [mail, others] of [[spanish!, [eve, oscar]], [english!, [ana, oscar]]] as const) {
      for (const other of others) {
        expect(mail.text).not.toContain(other.email);
        expect(mail.text).not.toMatch(new RegExp(`\\b${nameOf(other)}\\b`));
      }
    }
    expect(mailsTo(oscar)).toEqual([]);

    // Not yet time for the two-hours reminder, and the day-before one is never sent again.
    await runJobsOnce();
    expect(mailsTo(ana)).toHaveLength(1);
    expect(mailsTo(eve)).toHaveLength(1);
  });

  it("90 minutes ahead: only the two-hours reminder", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 1.5, capacity: 2 });
    const ana = await observer("en");
    const assignment = await claimShift(ana.claims, shift);

    await runJobsOnce();
    const mails = mailsTo(ana);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/^Your shift in Pilsen starts soon: \d{1,2}:\d{2} (AM|PM)$/);
    expect((await jobsOf(assignment.id)).map((j) => j.payload.reminder)).toEqual(["two_hours"]);
  });

  it("a reminder for an assignment given up after it was queued is skipped, not sent", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 20 });
    const ana = await observer();
    const assignment = await claimShift(ana.claims, shift);
    await withSystem((trx) => sql`select private.enqueue_due_reminders()`.execute(trx));
    await leaveShift(ana.claims, shift);

    expect(await runJobsOnce()).toEqual({ sent: 0, skipped: 1, failed: 0 });
    expect(mailsTo(ana)).toEqual([]);
    const [job] = await jobsOf(assignment.id);
    expect(job).toMatchObject({ kind: "shift_reminder", last_error: null });
    expect(job!.done_at).not.toBeNull();
  });
});

describe("exactly once", () => {
  it("two runners at once, again and again, and after a restart: one email per job", async () => {
    const dayBefore = await createTestShift(zoneId, { startsInHours: 21, capacity: 3 });
    const soon = await createTestShift(zoneId, { startsInHours: 1.2, capacity: 3 });
    const later = await createTestShift(zoneId, { startsInHours: 50, capacity: 1 });
    const people = await Promise.all([observer(), observer("es"), observer(), observer(), observer("es"), observer()]);
    const [a, b, c, d, e, f] = people as [Persona, Persona, Persona, Persona, Persona, Persona];
    await claimShift(a.claims, dayBefore);
    await claimShift(b.claims, dayBefore);
    await claimShift(c.claims, dayBefore);
    await claimShift(d.claims, soon);
    await claimShift(e.claims, later);
    await claimShift(f.claims, later);
    await leaveShift(e.claims, later); // f moves up from the waitlist

    const total: JobCounts = { sent: 0, skipped: 0, failed: 0 };
    for (let round = 0; round < 5; round++) {
      for (const counts of await Promise.all([runJobsOnce(), runJobsOnce(), runJobsOnce({ limit: 1 })])) add(total, counts);
    }
    await closeDb();
    for (const counts of await Promise.all([runJobsOnce(), runJobsOnce()])) add(total, counts);

    expect(total).toEqual({ sent: 5, skipped: 0, failed: 0 });
    const perMessage = new Map<string, number>();
    for (const mail of readOutbox().filter((m) => people.some((p) => p.email === m.to))) {
      const key = `${mail.to} | ${mail.subject}`;
      perMessage.set(key, (perMessage.get(key) ?? 0) + 1);
    }
    expect([...perMessage.values()]).toEqual([1, 1, 1, 1, 1]);
    expect(mailsTo(e)).toEqual([]);
    expect(mailsTo(f).map((m) => m.subject)).toEqual([expect.stringMatching(/^You have a spot on the shift: Pilsen, /)]);
  });
});

describe("waitlist and cancellation", () => {
  it("a freed spot: the promoted observer is told; a promotion already given up is skipped", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 48, capacity: 1 });
    const [first, second, third] = [await observer(), await observer("es"), await observer()];
    await claimShift(first.claims, shift);
    await claimShift(second.claims, shift);
    await claimShift(third.claims, shift);

    await leaveShift(first.claims, shift); // second moves up
    expect(await runJobsOnce()).toEqual({ sent: 1, skipped: 0, failed: 0 });
    const [promoted] = mailsTo(second);
    expect(promoted!.subject).toMatch(/^Ya tienes lugar en el turno: Pilsen, /);
    expect(promoted!.text).toContain("pasaste de la lista de espera");
    expect(mailsTo(first)).toEqual([]);
    expect(mailsTo(third)).toEqual([]);

    await leaveShift(second.claims, shift); // third moves up…
    await leaveShift(third.claims, shift); // …and leaves before the email goes out
    expect(await runJobsOnce()).toEqual({ sent: 0, skipped: 1, failed: 0 });
    expect(mailsTo(third)).toEqual([]);
  });

  it("a cancelled shift: everyone on it is told (not a deactivated person), and queued reminders are dropped", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 20, capacity: 2 });
    const [ana, eve, oscar, gone] = [await observer("es"), await observer(), await observer(), await observer()];
    await claimShift(ana.claims, shift);
    await claimShift(gone.claims, shift);
    await claimShift(eve.claims, shift);
    await claimShift(oscar.claims, shift);
    await withSystem((trx) => sql`select private.enqueue_due_reminders()`.execute(trx));

    await cancelShift(coordinator.claims, shift, "Storm warning");
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", gone.id).execute());

    // 3 cancellations sent; skipped: 2 reminders and the deactivated person's cancellation
    expect(await runJobsOnce()).toEqual({ sent: 3, skipped: 3, failed: 0 });
    expect(mailsTo(ana).map((m) => m.subject)).toEqual([expect.stringMatching(/^Cancelado: tu turno en Pilsen, /)]);
    expect(mailsTo(ana)[0]!.text).toContain("Motivo: Storm warning");
    expect(mailsTo(eve).map((m) => m.subject)).toEqual([expect.stringMatching(/^Cancelled: your shift in Pilsen, /)]);
    expect(mailsTo(oscar).map((m) => m.subject)).toEqual([expect.stringMatching(/^Cancelled: your shift in Pilsen, /)]);
    expect(mailsTo(oscar)[0]!.text).toContain("Reason: Storm warning");
    expect(mailsTo(gone)).toEqual([]);
  });
});

describe("failures", () => {
  it("a failed send is retried later with its attempts counted, and the error names no one", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 20 });
    const ana = await observer();
    const assignment = await claimShift(ana.claims, shift);
    vi.mocked(sendMail).mockRejectedValueOnce(Object.assign(new Error(`550 mailbox unavailable <${ana.email}>`), { code: "EENVELOPE" }));

    expect(await runJobsOnce()).toEqual({ sent: 0, skipped: 0, failed: 1 });
    expect(mailsTo(ana)).toEqual([]);
    let [job] = await jobsOf(assignment.id);
    expect(job).toMatchObject({ attempts: 1, done_at: null, last_error: "Error: EENVELOPE" });
    expect(job!.last_error).not.toContain("@");
    expect(job!.due_in_seconds).toBeGreaterThan(50);

    // Not due yet: the next tick leaves it alone.
    expect(await runJobsOnce()).toEqual({ sent: 0, skipped: 0, failed: 0 });
    await withSystem((trx) => sql`update private.jobs set run_at = now() where payload ->> 'assignment_id' = ${assignment.id}`.execute(trx));
    expect(await runJobsOnce()).toEqual({ sent: 1, skipped: 0, failed: 0 });
    expect(mailsTo(ana)).toHaveLength(1);
    [job] = await jobsOf(assignment.id);
    expect(job!.attempts).toBe(2);
    expect(job!.done_at).not.toBeNull();
  });

  it("gives up after 5 attempts and keeps the last error", async () => {
    const shift = await createTestShift(zoneId, { startsInHours: 20 });
    const ana = await observer();
    const assignment = await claimShift(ana.claims, shift);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      vi.mocked(sendMail).mockRejectedValueOnce(new TypeError(`cannot reach ${ana.email}`));
      expect(await runJobsOnce()).toEqual({ sent: 0, skipped: 0, failed: 1 });
      const [job] = await jobsOf(assignment.id);
      expect(job!.attempts).toBe(attempt);
      delays.push(Math.round(job!.due_in_seconds / 60));
      await withSystem((trx) => sql`update private.jobs set run_at = now() where payload ->> 'assignment_id' = ${assignment.id}`.execute(trx));
    }
    expect(delays.slice(0, 4)).toEqual([1, 5, 30, 30]);
    const [job] = await jobsOf(assignment.id);
    expect(job).toMatchObject({ attempts: 5, last_error: "TypeError" });
    expect(job!.done_at).not.toBeNull();
    expect(await runJobsOnce()).toEqual({ sent: 0, skipped: 0, failed: 0 });
    expect(mailsTo(ana)).toEqual([]);
  });
});

describe("the runner", () => {
  it("runs on its interval, logs only counts, and stops", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const shift = await createTestShift(zoneId, { startsInHours: 20 });
      const ana = await observer();
      await claimShift(ana.claims, shift);
      const stop = startJobRunner();
      vi.advanceTimersByTime(29_000);
      expect(mailsTo(ana)).toEqual([]);
      vi.advanceTimersByTime(1_000);
      await vi.waitFor(() => expect(log).toHaveBeenCalledWith("Jobs: 1 sent, 0 skipped, 0 failed"), { timeout: 10_000 });
      expect(mailsTo(ana)).toHaveLength(1);
      expect(log.mock.calls.flat().join(" ")).not.toContain("@");
      stop();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      log.mockRestore();
      vi.useRealTimers();
    }
  });
});
