import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { readOutbox, sendMail } from "~/integrations/mail.server";
import { runJobsOnce } from "~/jobs/jobs.server";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { createTestReport } from "../../../tests/setup/reports";

// The email a request for more information sends: in the author's language, with a link, and
// nothing of the question or the report but its date.

vi.mock("~/integrations/mail.server", async (importOriginal) => {
  const actual = await importOriginal<typeof import("~/integrations/mail.server")>();
  return { ...actual, sendMail: vi.fn(actual.sendMail) };
});

const QUESTION = "CANARY-question: was Maria Quispe taken to Broadview?";
const NARRATIVE = "CANARY-narrative: agents at 2145 S Pulaski";
let cast: Awaited<ReturnType<typeof createCast>>;
let counter = 0;

async function author(language: "en" | "es") {
  const persona = await createPersona(`info_author_${++counter}`, ["observer"]);
  await withSystem((trx) => trx.updateTable("profiles").set({ preferred_language: language, display_name: `Author ${counter}` }).where("id", "=", persona.id).execute());
  return persona;
}

async function ask(reportId: string, body = QUESTION) {
  const { rows } = await withUser(cast.attorney_luis.claims, (trx) => sql<{ id: string }>`select private.request_report_info(${reportId}::uuid, ${body}) as id`.execute(trx));
  return rows[0]!.id;
}

async function reportOf(persona: Persona, occurredAt = "2026-03-03T18:30:00Z") {
  const { id } = await createTestReport(persona, { narrative: NARRATIVE });
  await withSystem((trx) => trx.updateTable("reports").set({ occurred_at: occurredAt }).where("id", "=", id).execute());
  return id;
}

const mailsTo = (persona: Persona) => readOutbox().filter((m) => m.to === persona.email);
const jobOf = (messageId: string) =>
  withSystem((trx) =>
    trx.selectFrom("private.jobs").select(["attempts", "done_at", "last_error"]).where("dedupe_key", "=", `info_requested:${messageId}`).executeTakeFirstOrThrow(),
  );

beforeAll(async () => {
  cast = await createCast();
  await withSystem((trx) => trx.updateTable("org_settings").set({ time_zone: "America/Chicago", name: "Chicago Rapid Response" }).execute());
});

afterEach(async () => {
  await runJobsOnce();
});

describe("request for more information", () => {
  it("tells the author in Spanish, with the date and a link, and nothing else", async () => {
    const ana = await author("es");
    const id = await reportOf(ana);
    await ask(id);
    // The attorneys' daily audit digest may go out in the same run (the request moved the audit log).
    expect(await runJobsOnce()).toMatchObject({ skipped: 0, failed: 0 });
    const [mail, ...more] = mailsTo(ana);
    expect(more).toEqual([]);
    expect(mail!.subject).toBe("El equipo legal te pide más información sobre tu reporte");
    expect(mail!.text).toContain(`Hola, Author ${counter}:`);
    expect(mail!.text).toContain("tu reporte del 3 de marzo de 2026 te pide más información");
    expect(mail!.text).toContain(`Abrir tu reporte: http://localhost:3000/reports/${id}`);
    expect(mail!.text).toContain("Recibes este correo de Chicago Rapid Response porque enviaste un reporte.");
    for (const secret of ["CANARY", "Maria", "Pulaski", "26th", cast.attorney_luis.email, "attorney_luis"]) expect(mail!.text + mail!.subject).not.toContain(secret);
  });

  it("in English for an English speaker; the date is the incident's, in the organisation's time zone", async () => {
    const eve = await author("en");
    // 03:30 UTC on March 4th is still March 3rd in Chicago
    const id = await reportOf(eve, "2026-03-04T03:30:00Z");
    await ask(id);
    await runJobsOnce();
    const [mail] = mailsTo(eve);
    expect(mail!.subject).toBe("An attorney asked for more information about your report");
    expect(mail!.text).toContain(`Hi Author ${counter},`);
    expect(mail!.text).toContain("your report of March 3, 2026 asked you for more information");
    expect(mail!.text).toContain(`Open your report: http://localhost:3000/reports/${id}`);
    expect(mail!.text).not.toContain("CANARY");
  });

  it("one email per request, however many runners", async () => {
    const eve = await author("en");
    const id = await reportOf(eve);
    await ask(id, "First question");
    await ask(id, "Second question");
    const results = await Promise.all([runJobsOnce(), runJobsOnce(), runJobsOnce({ limit: 1 })]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(2);
    await runJobsOnce();
    expect(mailsTo(eve)).toHaveLength(2);
  });

  it("skips an author who already read it in the app, or whose account is deactivated, or a report since deleted", async () => {
    const read = await author("en");
    const readReport = await reportOf(read);
    await ask(readReport);
    await withUser(read.claims, (trx) => sql`select private.mark_report_messages_read(${readReport}::uuid)`.execute(trx));

    const gone = await author("es");
    await ask(await reportOf(gone));
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", gone.id).execute());

    const deleted = await author("en");
    const deletedReport = await reportOf(deleted);
    const deletedMessage = await ask(deletedReport);
    await withSystem((trx) => trx.deleteFrom("reports").where("id", "=", deletedReport).execute());

    expect(await runJobsOnce()).toEqual({ sent: 0, skipped: 3, failed: 0 });
    expect([...mailsTo(read), ...mailsTo(gone), ...mailsTo(deleted)]).toEqual([]);
    expect((await jobOf(deletedMessage)).done_at).not.toBeNull();
  });

  it("a failed send is retried later and its error names no one; a malformed job is given up at once", async () => {
    const eve = await author("en");
    const message = await ask(await reportOf(eve));
    vi.mocked(sendMail).mockRejectedValueOnce(Object.assign(new Error(`550 mailbox unavailable <${eve.email}>`), { code: "EENVELOPE" }));
    expect(await runJobsOnce()).toEqual({ sent: 0, skipped: 0, failed: 1 });
    expect(await jobOf(message)).toMatchObject({ attempts: 1, done_at: null, last_error: "Error: EENVELOPE" });
    await withSystem((trx) => trx.updateTable("private.jobs").set({ run_at: sql`now()` }).where("dedupe_key", "=", `info_requested:${message}`).execute());
    expect(await runJobsOnce()).toEqual({ sent: 1, skipped: 0, failed: 0 });
    expect(mailsTo(eve)).toHaveLength(1);

    await withSystem((trx) => sql`select private.enqueue_job('info_requested', 'info_requested:broken', '{"message_id": "not-a-uuid"}'::jsonb)`.execute(trx));
    expect(await runJobsOnce()).toEqual({ sent: 0, skipped: 0, failed: 1 });
    const broken = await withSystem((trx) => trx.selectFrom("private.jobs").select(["attempts", "done_at", "last_error"]).where("dedupe_key", "=", "info_requested:broken").executeTakeFirstOrThrow());
    expect(broken).toMatchObject({ attempts: 1, last_error: "InvalidJob" });
    expect(broken.done_at).not.toBeNull();
  });
});
