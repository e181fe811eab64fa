import { parseWithZod } from "@conform-to/zod";
import { createInstance, type TFunction } from "i18next";
import { beforeAll, describe, expect, it } from "vitest";
import { translateError } from "~/components/ui/field";
import { i18nConfig } from "~/i18n/config";
import { ReportSchema } from "./schema";

const base = { clientUuid: "0b9c6f5e-1a64-4d4e-9d8e-7c8f1b2a3c4d", occurredAt: "2026-11-26T09:30", crossStreets: "26th & Pulaski" };

function errorsOf(fields: Record<string, string>) {
  const form = new FormData();
  for (const [k, v] of Object.entries({ ...base, ...fields })) form.append(k, v);
  const submission = parseWithZod(form, { schema: ReportSchema });
  return submission.status === "error" ? (submission.error ?? {}) : {};
}

const translators: Record<string, TFunction> = {};
beforeAll(async () => {
  for (const lng of ["en", "es"]) {
    const i18n = createInstance();
    await i18n.init({ ...i18nConfig, lng });
    translators[lng] = i18n.t;
  }
});

/** The message in both languages: a missing key would come back as the key itself. */
function say(message: string) {
  const [en, es] = [translateError(translators.en!, message), translateError(translators.es!, message)];
  for (const text of [en, es]) expect(text).not.toMatch(/^(reports|formErrors|errors)\.|\{\{|\|/);
  expect(en).not.toEqual(es);
  return { en, es };
}

describe("report form messages say which field and what is wrong", () => {
  it.each([
    ["agentCountMin", "-1", "reports.errors.agentsMin", "Agents can't be fewer than 0."],
    ["agentCountMin", "2.5", "reports.errors.agentsWhole", "Enter the number of agents as a whole number, like 3."],
    ["agentCountMin", "many", "reports.errors.agentsWhole", "Enter the number of agents as a whole number, like 3."],
    ["agentCountMin", "501", 'reports.errors.agentsMax|{"max":500}', "Agents can't be more than 500. If there were more, enter 500 and tick “Possibly more”."],
    ["vehicleCount", "-3", "reports.errors.vehiclesMin", "Vehicles can't be fewer than 0."],
    ["vehicleCount", "x", "reports.errors.vehiclesWhole", "Enter the number of vehicles as a whole number, like 2."],
    ["vehicleCount", "201", 'reports.errors.vehiclesMax|{"max":200}', "Vehicles can't be more than 200."],
    ["vestText", "v".repeat(201), 'formErrors.tooLong|{"field":"reports.vestText","count":200}', "“Text on vests or jackets” must be 200 characters or fewer."],
    ["narrative", "n".repeat(10_001), 'formErrors.tooLong|{"field":"reports.narrative","count":10000}', "“Narrative” must be 10000 characters or fewer."],
    ["occurredAt", "", "reports.errors.whenRequired", "Enter when it happened."],
    ["occurredAt", "yesterday", "reports.errors.when", "Enter when it happened as a date and a time."],
  ])("%s = %j gives %s", (field, value, key, english) => {
    const errors = errorsOf({ [field]: value });
    expect(errors[field]).toEqual([key]);
    expect(say(key).en).toBe(english);
  });

  it("says which coordinate is out of range, not a number, or missing", () => {
    expect(errorsOf({ latitude: "95", longitude: "-87.6" }).latitude).toEqual(["reports.errors.latitudeRange"]);
    expect(errorsOf({ latitude: "41.8", longitude: "-181" }).longitude).toEqual(["reports.errors.longitudeRange"]);
    expect(errorsOf({ latitude: "north", longitude: "-87.6" }).latitude).toEqual(["reports.errors.latitudeNumber"]);
    expect(errorsOf({ latitude: "41.8" }).longitude).toEqual(["reports.errors.longitudeMissing"]);
    expect(errorsOf({ longitude: "-87.6" }).latitude).toEqual(["reports.errors.latitudeMissing"]);
    for (const key of ["latitudeRange", "longitudeRange", "latitudeNumber", "longitudeMissing", "latitudeMissing"]) say(`reports.errors.${key}`);
  });

  it("names nested fields in both languages, with the singular and plural of the limit", () => {
    const errors = errorsOf({ "officers[1].badge": "b".repeat(41), "witnesses[0].contact": "c".repeat(301) });
    expect(say(errors["officers[1].badge"]![0]!)).toEqual({
      en: "“Badge number” must be 40 characters or fewer.",
      es: "«Número de placa» puede tener como máximo 40 caracteres.",
    });
    say(errors["witnesses[0].contact"]![0]!);
    expect(translateError(translators.es!, 'formErrors.tooLong|{"field":"reports.narrative","count":1}')).toBe("«Relato» puede tener como máximo 1 carácter.");
  });

  it("the Spanish says the same limits", () => {
    expect(say("reports.errors.agentsMin").es).toBe("No puede haber menos de 0 agentes.");
    expect(say('reports.errors.agentsMax|{"max":500}').es).toContain("500 agentes");
  });
});
