import { beforeAll, describe, expect, it } from "vitest";
import { withSystem } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { createCast } from "../../../tests/setup/personas";
import { invitePerson, listPeople, setActive, setRoles, setTrainingDate } from "./people.server";
import { PeopleActionSchema } from "./schema";
import { requiredMessage } from "~/utils/field-messages";

let cast: Awaited<ReturnType<typeof createCast>>;

beforeAll(async () => {
  cast = await createCast();
});

describe("invitePerson", () => {
  it("an admin invites someone with roles; the account, profile and roles appear", async () => {
    const id = await invitePerson(cast.admin_alma.claims, { email: "rosa@test.example", displayName: "Rosa", roles: ["attorney", "coordinator"] });
    const people = await listPeople(cast.admin_alma.claims);
    const rosa = people.find((p) => p.id === id);
    expect(rosa).toMatchObject({ email: "rosa@test.example", displayName: "Rosa", roles: ["coordinator", "attorney"], deactivated: false });
  });

  it("a coordinator invites an observer, but not an admin", async () => {
    await invitePerson(cast.coordinator_carmen.claims, { email: "pablo@test.example", displayName: "Pablo", roles: ["observer"] });
    await expect(
      invitePerson(cast.coordinator_carmen.claims, { email: "boss@test.example", displayName: "Boss", roles: ["admin"] }),
    ).rejects.toMatchObject({ field: "roles", messageKey: "errors.forbiddenRoles" });
    const created = await withSystem((trx) => trx.selectFrom("auth.users").select("id").where("email", "=", "boss@test.example").execute());
    expect(created).toEqual([]);
  });

  it("an observer cannot invite anyone", async () => {
    await expect(
      invitePerson(cast.observer_ana.claims, { email: "cousin@test.example", displayName: "Cousin", roles: ["observer"] }),
    ).rejects.toBeInstanceOf(DomainError);
  });

  it("refuses someone who already has an account, on the email field", async () => {
    await expect(
      invitePerson(cast.admin_alma.claims, { email: cast.observer_ana.email, displayName: "Ana", roles: ["observer"] }),
    ).rejects.toMatchObject({ field: "email", messageKey: "errors.alreadyMember" });
  });
});

describe("errors a person can cause are field errors, not 500s", () => {
  it("setting roles of someone who does not exist answers 404", async () => {
    const response = await setRoles(cast.admin_alma.claims, "00000000-0000-4000-8000-000000000000", ["observer"]).catch((e: unknown) => e);
    expect(response).toBeInstanceOf(Response);
    expect((response as Response).status).toBe(404);
  });

  it("two simultaneous invitations of one email: one succeeds, the other is told the person exists", async () => {
    const invite = () =>
      invitePerson(cast.admin_alma.claims, { email: "twice@test.example", displayName: "Twice", roles: ["observer"] }).then(
        () => "ok",
        (e: unknown) => (e instanceof DomainError ? e.messageKey : e),
      );
    const results = await Promise.all([invite(), invite()]);
    expect(results.sort()).toEqual(["errors.alreadyMember", "ok"]);
  });
});

describe("roles, training and activation", () => {
  it("an admin replaces someone's roles", async () => {
    await setRoles(cast.admin_alma.claims, cast.observer_oscar.id, ["observer", "coordinator"]);
    let oscar = (await listPeople(cast.admin_alma.claims)).find((p) => p.id === cast.observer_oscar.id);
    expect(oscar?.roles).toEqual(["observer", "coordinator"]);
    await setRoles(cast.admin_alma.claims, cast.observer_oscar.id, ["observer"]);
    oscar = (await listPeople(cast.admin_alma.claims)).find((p) => p.id === cast.observer_oscar.id);
    expect(oscar?.roles).toEqual(["observer"]);
  });

  it("an admin cannot remove their own admin role or deactivate themselves", async () => {
    await expect(setRoles(cast.admin_alma.claims, cast.admin_alma.id, ["coordinator"])).rejects.toMatchObject({ messageKey: "errors.ownAdmin" });
    await expect(setActive(cast.admin_alma.claims, cast.admin_alma.id, false)).rejects.toMatchObject({ messageKey: "errors.ownAdmin" });
  });

  it("a coordinator records a training date and can clear it", async () => {
    await setTrainingDate(cast.coordinator_carmen.claims, cast.observer_oscar.id, "2026-10-03");
    let oscar = (await listPeople(cast.coordinator_carmen.claims)).find((p) => p.id === cast.observer_oscar.id);
    expect(oscar?.trainingDate).toBe("2026-10-03");
    await setTrainingDate(cast.coordinator_carmen.claims, cast.observer_oscar.id, null);
    oscar = (await listPeople(cast.coordinator_carmen.claims)).find((p) => p.id === cast.observer_oscar.id);
    expect(oscar?.trainingDate).toBeNull();
  });

  it("changing someone the caller cannot see answers 404", async () => {
    const response = await setTrainingDate(cast.attorney_luis.claims, cast.observer_oscar.id, "2026-10-03").catch((e: unknown) => e);
    expect(response).toBeInstanceOf(Response);
    expect((response as Response).status).toBe(404);
  });

  it("reactivation restores access", async () => {
    await setActive(cast.admin_alma.claims, cast.observer_ana.id, false);
    expect((await listPeople(cast.admin_alma.claims)).find((p) => p.id === cast.observer_ana.id)?.deactivated).toBe(true);
    await setActive(cast.admin_alma.claims, cast.observer_ana.id, true);
    expect((await listPeople(cast.admin_alma.claims)).find((p) => p.id === cast.observer_ana.id)?.deactivated).toBe(false);
  });
});

describe("PeopleActionSchema", () => {
  const parse = (entries: Record<string, string | string[]>) => PeopleActionSchema.safeParse(entries);

  it("gives field-level i18n keys for bad input", () => {
    const result = parse({ intent: "invite", email: "not-an-email", displayName: "", roles: [] });
    expect(result.success).toBe(false);
    const fields = result.success ? {} : result.error.flatten().fieldErrors;
    expect(fields).toMatchObject({ email: ["errors.email"], displayName: [requiredMessage("people.name")], roles: ["errors.roles"] });
  });

  it("normalises the email", () => {
    const result = parse({ intent: "invite", email: "  Ana@Example.ORG ", displayName: "Ana", roles: ["observer"] });
    expect(result.success && result.data.intent === "invite" && result.data.email).toBe("ana@example.org");
  });

  it.each(["2026-13-45", "2026-02-30", "2025-02-29", "26-01-01"])("rejects the impossible training date %s", (trainingDate) => {
    const result = parse({ intent: "training", userId: cast.observer_ana.id, trainingDate });
    expect(result.success).toBe(false);
  });

  it("accepts a leap day", () => {
    expect(parse({ intent: "training", userId: cast.observer_ana.id, trainingDate: "2028-02-29" }).success).toBe(true);
  });
});
