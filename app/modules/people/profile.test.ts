import { beforeAll, describe, expect, it } from "vitest";
import { createCast } from "../../../tests/setup/personas";
import { ProfileSchema } from "./profile-schema";
import { readOwnProfile, updateOwnProfile } from "./profile.server";
import { requiredMessage } from "~/utils/field-messages";

let cast: Awaited<ReturnType<typeof createCast>>;
beforeAll(async () => {
  cast = await createCast();
});

describe("own profile", () => {
  it("a person updates their own details and nobody else's", async () => {
    await updateOwnProfile(cast.observer_oscar.claims, {
      displayName: "Óscar M.",
      phone: "+1 312 555 0100",
      languages: ["es", "en"],
      preferredLanguage: "es",
    });
    expect(await readOwnProfile(cast.observer_oscar.claims)).toMatchObject({
      display_name: "Óscar M.",
      phone: "+1 312 555 0100",
      languages: ["es", "en"],
      preferred_language: "es",
    });
    expect((await readOwnProfile(cast.observer_ana.claims)).display_name).toBe("observer_ana");
  });

  it("validates field by field with i18n keys", () => {
    const result = ProfileSchema.safeParse({ displayName: " ", phone: "call me", languages: ["xx"], preferredLanguage: "de" });
    expect(result.success).toBe(false);
    const errors = result.success ? {} : result.error.flatten().fieldErrors;
    expect(errors.displayName).toEqual([requiredMessage("profile.name")]);
    expect(errors.phone).toEqual(["errors.phone"]);
    expect(Object.keys(errors).sort()).toEqual(["displayName", "languages", "phone", "preferredLanguage"]);
  });

  it("an empty phone is stored as none", () => {
    const result = ProfileSchema.parse({ displayName: "Ana", phone: "", preferredLanguage: "en" });
    expect(result.phone).toBeNull();
    expect(result.languages).toEqual([]);
  });
});
