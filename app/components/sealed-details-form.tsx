import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { Form, useSubmit } from "@remix-run/react";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Field, FieldErrors, limitsOf, SelectField } from "~/components/ui/field";
import { useIsPending } from "~/components/use-is-pending";
import { addendumAad, SealedAddendumSchema } from "~/modules/reports/addenda";
import type { BrowserRecipient } from "~/modules/reports/recipients";
import { DETAINED_SLOTS, TRI_STATES, WITNESS_SLOTS } from "~/modules/reports/schema";
import { sealPeople } from "~/modules/reports/seal-people";

const LIMITS = getZodConstraint(SealedAddendumSchema);

/** The report form's fields for one detained person and one witness (ReportSchema's), label keys under `reports.`. */
const DETAINED_FIELDS = [
  ["name", "personName"],
  ["dateOfBirth", "dateOfBirth"],
  ["countryOfBirth", "countryOfBirth"],
  ["aNumber", "aNumber"],
  ["whereTaken", "whereTaken"],
  ["familyContact", "familyContact"],
  ["consentToContact", "consentToContact", "tri"],
  ["contactChannel", "contactChannel"],
  ["contactLanguage", "contactLanguage"],
] as const;
const WITNESS_FIELDS = [
  ["name", "personName"],
  ["contact", "witnessContact"],
  ["hasVideo", "hasVideo", "tri"],
] as const;

const SECTIONS = [
  { list: "detained", slots: DETAINED_SLOTS, fields: DETAINED_FIELDS, title: "reports.detainedTitle", legend: "reports.detainedPerson" },
  { list: "witnesses", slots: WITNESS_SLOTS, fields: WITNESS_FIELDS, title: "reports.witnessesTitle", legend: "reports.witness" },
] as const;

/**
 * "Add sealed details" on the observer's own report (ADR 023): detained people and witnesses
 * learned after sending, sealed in this browser to the current recipients, bound to this report
 * and this addendum's id. Without JavaScript the fields are posted and sealed on receipt.
 */
export function SealedDetailsForm({
  reportId,
  addendumId,
  recipients,
  lastResult,
}: {
  reportId: string;
  addendumId: string;
  recipients: BrowserRecipient[];
  lastResult?: SubmissionResult<string[]> | null;
}) {
  const { t } = useTranslation();
  const submit = useSubmit();
  const busy = useIsPending({ state: "submitting", fields: { intent: "sealed" } });
  const [sealFailed, setSealFailed] = useState(false);
  const sealing = useRef(false);
  const [form] = useForm({
    id: "sealed-details",
    lastResult,
    constraint: LIMITS,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SealedAddendumSchema }),
    shouldValidate: "onSubmit",
    onSubmit(event, { formData }) {
      event.preventDefault();
      if (busy || sealing.current) return;
      sealing.current = true;
      const id = String(formData.get("addendumId") ?? "");
      void sealPeople(formData, recipients, addendumAad(reportId, id))
        .finally(() => {
          sealing.current = false;
        })
        .then(
          (sealed) => {
            setSealFailed(false);
            submit(sealed, { method: "post" });
          },
          () => setSealFailed(true),
        );
    },
  });
  const errors = (name: string) => form.allErrors[name];
  const initial = (form.initialValue ?? {}) as Record<string, Record<string, string>[] | undefined>;
  const typed = (list: string, index: number, key: string) => initial[list]?.[index]?.[key] ?? "";
  const anyError = (list: string) => Object.keys(form.allErrors).some((name) => name.startsWith(`${list}[`));

  const person = (list: "detained" | "witnesses", i: number, fields: typeof DETAINED_FIELDS | typeof WITNESS_FIELDS) =>
    fields.map((field) => {
      const [key, label] = field;
      const kind = field[2];
      const name = `${list}[${i}].${key}`;
      const id = `sealed-${list}-${i}-${key}`;
      return kind === "tri" ? (
        <SelectField
          key={key}
          id={id}
          label={t(`reports.${label}`)}
          name={name}
          defaultValue={typed(list, i, key) || "unknown"}
          errors={errors(name)}
          options={TRI_STATES.map((v) => ({ value: v, label: t(`reports.tri.${v}`) }))}
        />
      ) : (
        <Field
          key={key}
          id={id}
          label={t(`reports.${label}`)}
          name={name}
          {...limitsOf(LIMITS[name] ?? LIMITS[`${list}[].${key}`] ?? {})}
          autoComplete="off"
          defaultValue={typed(list, i, key)}
          errors={errors(name)}
        />
      );
    });

  return (
    <section aria-labelledby="sealed-details-title" className="card stack">
      <h2 id="sealed-details-title">
        <span aria-hidden="true">🔒 </span>
        {t("addenda.title")}
      </h2>
      <p className="help">{t("addenda.intro")}</p>
      {recipients.length === 0 ? (
        <p className="warning">{t("reports.noKeysWarning")}</p>
      ) : (
        <Form method="post" {...getFormProps(form)} autoComplete="off" className="stack">
          <input type="hidden" name="intent" value="sealed" />
          <input type="hidden" name="addendumId" value={addendumId} />
          <FieldErrors id="sealed-details-form-error" errors={sealFailed ? ["reports.errors.sealFailed"] : [...(errors("sealed") ?? []), ...(errors("addendumId") ?? [])]} />
          {SECTIONS.map(({ list, slots, fields, title, legend }) => (
            <details key={list} className="sealed-section" open={anyError(list) || undefined}>
              <summary>{t(title)}</summary>
              {Array.from({ length: slots }, (_, i) => (
                <fieldset key={i} className="person">
                  <legend>{t(legend, { n: i + 1 })}</legend>
                  {person(list, i, fields)}
                </fieldset>
              ))}
            </details>
          ))}
          <p>
            <button type="submit" className="secondary" aria-disabled={busy || undefined}>
              {busy ? t("addenda.sealing") : t("addenda.submit")}
            </button>
          </p>
        </Form>
      )}
    </section>
  );
}
