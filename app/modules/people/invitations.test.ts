import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser } from "~/db/client.server";
import { readOutbox } from "~/integrations/mail.server";
import { runJobsOnce } from "~/jobs/jobs.server";
import { createLocalProvider } from "~/modules/auth/local.server";
import { ownUrl } from "~/utils/env.server";
import { createCast } from "../../../tests/setup/personas";
import { invitePerson, listPeople, resendInvitation } from "./people.server";

// Invitations are sent: an email through our own job queue, in the invitee's language, that says
// who invited them, to what, and where to sign in (no secret); "Send again" sends another.

let cast: Awaited<ReturnType<typeof createCast>>;
const mailsTo = (email: string) => readOutbox().filter((m) => m.to === email);

beforeAll(async () => {
  cast = await createCast();
  await withSystem((trx) => trx.updateTable("org_settings").set({ name: "Chicago Rapid Response" }).execute());
  await withSystem((trx) => trx.updateTable("profiles").set({ display_name: "Carmen Ruiz" }).where("id", "=", cast.coordinator_carmen.id).execute());
  await runJobsOnce();
});

describe("the invitation email", () => {
  it("is queued with the invitation and says, in Spanish, who invited them to what and where to sign in", async () => {
    await invitePerson(cast.coordinator_carmen.claims, { email: "lucia@test.example", displayName: "Lucía", roles: ["observer"], language: "es" });
    const jobs = await withSystem((trx) => trx.selectFrom("private.jobs").select("dedupe_key").where("kind", "=", "invitation").where("done_at", "is", null).execute());
    expect(jobs).toHaveLength(1);
    expect(mailsTo("lucia@test.example")).toEqual([]);
    expect(await runJobsOnce()).toMatchObject({ sent: 1, failed: 0 });
    const [mail, ...more] = mailsTo("lucia@test.example");
    expect(more).toEqual([]);
    expect(mail!.subject).toBe("Te invitan a Chicago Rapid Response en Testigo");
    expect(mail!.text).toContain("Hola, Lucía:");
    expect(mail!.text).toContain("Carmen Ruiz te invitó a unirte a Chicago Rapid Response");
    expect(mail!.text).toContain("abre http://localhost:3000/login y escribe este correo (lucia@test.example)");
    // No token of any kind: the only link is the sign-in page.
    expect(mail!.text.match(/https?:\/\/\S+/g)).toEqual(["http://localhost:3000/login"]);
  });

  it("is in English by default, and in the organisation's default language once an admin changes it", async () => {
    await invitePerson(cast.admin_alma.claims, { email: "tom@test.example", displayName: "Tom", roles: ["observer"] });
    await withUser(cast.admin_alma.claims, (trx) => trx.updateTable("org_settings").set({ default_language: "es" }).execute());
    await invitePerson(cast.admin_alma.claims, { email: "pilar@test.example", displayName: "Pilar", roles: ["observer"] });
    await withUser(cast.admin_alma.claims, (trx) => trx.updateTable("org_settings").set({ default_language: "en" }).execute());
    await runJobsOnce();
    expect(mailsTo("tom@test.example")[0]!.subject).toBe("You are invited to Chicago Rapid Response on Testigo");
    expect(mailsTo("tom@test.example")[0]!.text).toContain("To sign in, open http://localhost:3000/login and enter this email address (tom@test.example).");
    expect(mailsTo("pilar@test.example")[0]!.subject).toBe("Te invitan a Chicago Rapid Response en Testigo");
  });

  it("a coordinator cannot change the default language", async () => {
    const updated = await withUser(cast.coordinator_carmen.claims, (trx) => trx.updateTable("org_settings").set({ default_language: "es" }).executeTakeFirst());
    expect(updated.numUpdatedRows).toBe(0n);
  });

  it("Send again queues another email and moves the date it was last sent; the profile speaks the invitation's language", async () => {
    const id = await invitePerson(cast.coordinator_carmen.claims, { email: "bea@test.example", displayName: "Bea", roles: ["observer"], language: "es" });
    await runJobsOnce();
    const before = (await listPeople(cast.coordinator_carmen.claims)).find((p) => p.id === id)!;
    expect(before.pendingInvitation).not.toBeNull();
    const profile = await withSystem((trx) => trx.selectFrom("profiles").select("preferred_language").where("id", "=", id).executeTakeFirstOrThrow());
    expect(profile.preferred_language).toBe("es");
    await resendInvitation(cast.coordinator_carmen.claims, before.pendingInvitation!.id);
    expect(await runJobsOnce()).toMatchObject({ sent: 1 });
    expect(mailsTo("bea@test.example")).toHaveLength(2);
    const after = (await listPeople(cast.coordinator_carmen.claims)).find((p) => p.id === id)!;
    expect(new Date(after.pendingInvitation!.lastSentAt!).getTime()).toBeGreaterThan(new Date(before.pendingInvitation!.lastSentAt!).getTime());
  });

  it("Send again is refused to an observer, to a coordinator for an admin's invitation, and once accepted", async () => {
    await invitePerson(cast.admin_alma.claims, { email: "new-coord@test.example", displayName: "Nico", roles: ["coordinator"] });
    const [invitation] = await withSystem((trx) => trx.selectFrom("invitations").select("id").where("email", "=", "new-coord@test.example").execute());
    await expect(resendInvitation(cast.observer_ana.claims, invitation!.id)).rejects.toMatchObject({ status: 404, messageKey: "observers.errors.cannotResend" });
    await expect(resendInvitation(cast.coordinator_carmen.claims, invitation!.id)).rejects.toMatchObject({ status: 404 });
    await resendInvitation(cast.admin_alma.claims, invitation!.id);
    await withSystem((trx) => trx.updateTable("invitations").set({ accepted_at: sql`now()` }).where("id", "=", invitation!.id).execute());
    await expect(resendInvitation(cast.admin_alma.claims, invitation!.id)).rejects.toMatchObject({ status: 404 });
    // A job queued before the person signed in is skipped, not sent.
    expect(await runJobsOnce()).toMatchObject({ sent: 0, skipped: 2 });
  });

  it("authenticated people cannot call the queueing triggers or write the sent columns themselves", async () => {
    await expect(
      withUser(cast.admin_alma.claims, (trx) =>
        trx.insertInto("invitations").values({ email: "forge@test.example", roles: sql`'{observer}'::public.app_role[]`, invited_by: cast.admin_alma.id, sent_count: 9 }).execute(),
      ),
    ).rejects.toMatchObject({ code: "42501" });
    await expect(withUser(cast.admin_alma.claims, (trx) => sql`select private.queue_invitation_mails()`.execute(trx))).rejects.toMatchObject({ code: "42501" });
  });
});

describe("the sign-in code email", () => {
  async function codeMailTo(email: string, pageLanguage: "en" | "es") {
    await createLocalProvider().requestCode(email, pageLanguage);
    for (let i = 0; i < 50; i++) {
      const mail = mailsTo(email).find((m) => /code|código/.test(m.subject));
      if (mail) return mail;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("no code email");
  }

  it("is in the person's own language even when they asked from an English page", async () => {
    await withSystem((trx) => trx.updateTable("profiles").set({ preferred_language: "es" }).where("id", "=", cast.observer_ana.id).execute());
    const mail = await codeMailTo(cast.observer_ana.email, "en");
    expect(mail.subject).toMatch(/^Tu código para entrar a Testigo/);
  });

  it("is in English for someone whose profile says English, asked from a Spanish page", async () => {
    await withSystem((trx) => trx.updateTable("profiles").set({ preferred_language: "en" }).where("id", "=", cast.attorney_luis.id).execute());
    const mail = await codeMailTo(cast.attorney_luis.email, "es");
    expect(mail.subject).toMatch(/^Your Testigo sign-in code/);
  });
});

describe("APP_URL's default", () => {
  it("follows HOST and PORT, so development links open the running app", () => {
    expect(ownUrl("localhost", 3331)).toBe("http://localhost:3331");
    expect(ownUrl("0.0.0.0", 8080)).toBe("http://localhost:8080");
    expect(ownUrl("127.0.0.1", 3000)).toBe("http://127.0.0.1:3000");
    expect(ownUrl("::1", 3000)).toBe("http://[::1]:3000");
  });
});
