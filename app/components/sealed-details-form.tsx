import { Form, useSubmit } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Field, FieldErrors, limitsOf, SelectField } from "~/components/ui/field";
import { useIsPending } from "~/components/use-is-pending";
import { fromB64u, sealJson } from "~/integrations/sealing";
import { addendumAad } from "~/modules/reports/addendum-aad";
import { DETAINED_SLOTS, sealPeople, TRI_STATES, WITNESS_SLOTS, type BrowserRecipient } from "~/modules/reports/recipients";

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

/** The sealing code is on this page already (media are sealed here too): no second download. */
const loadSealing = async () => ({ fromB64u, sealJson });

/** What the action answers: field errors (i18n keys) and, without JavaScript, what was typed. */
export interface SealedDetailsResult {
  errors: Record<string, string[] | null> | null;
  values: Record<string, unknown> | null;
  added: boolean;
}

/** Field limits as the server's schema has them (`getZodConstraint`), sent by the loader: zod stays off this page. */
export type FieldLimits = Record<string, { required?: boolean; maxLength?: number }>;

/**
 * "Add sealed details" on the observer's own report (ADR 023): detained people and witnesses
 * learned after sending, sealed in this browser to the current recipients, bound to this report
 * and this addendum's id. Without JavaScript the fields are posted and sealed on receipt.
 */
export function SealedDetailsForm({
  reportId,
  addendumId,
  recipients,
  limits,
  result,
}: {
  reportId: string;
  addendumId: string;
  recipients: BrowserRecipient[];
  limits: FieldLimits;
  result?: SealedDetailsResult | null;
}) {
  const { t } = useTranslation();
  const submit = useSubmit();
  const busy = useIsPending({ state: "submitting", fields: { intent: "sealed" } });
  const [sealFailed, setSealFailed] = useState(false);
  const sealing = useRef(false);
  // A new, empty form after each addition; after a refusal the same one, with what was typed.
  const [formKey, setFormKey] = useState(0);
  useEffect(() => {
    if (result?.added) setFormKey((k) => k + 1);
  }, [result]);
  const errorsOf = result?.errors ?? {};
  const errors = (name: string) => errorsOf[name] ?? undefined;
  const initial = (result?.values ?? {}) as Record<string, Record<string, string>[] | undefined>;
  const typed = (list: string, index: number, key: string) => initial[list]?.[index]?.[key] ?? "";
  const anyError = (list: string) => Object.entries(errorsOf).some(([name, e]) => name.startsWith(`${list}[`) && e?.length);
  const onSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy || sealing.current) return;
    sealing.current = true;
    const formData = new FormData(event.currentTarget);
    const id = String(formData.get("addendumId") ?? "");
    void sealPeople(formData, recipients, addendumAad(reportId, id), loadSealing)
      .finally(() => {
        sealing.current = false;
      })
      .then(
        (sealed) => {
          setSealFailed(false);
          submit(sealed, { method: "post" });
        },
        // a broken key must not make the button silently do nothing
        () => setSealFailed(true),
      );
  };

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
          {...limitsOf(limits[`${list}[].${key}`] ?? {})}
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
        <Form method="post" id="sealed-details" key={formKey} autoComplete="off" className="stack" onSubmit={onSubmit}>
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
