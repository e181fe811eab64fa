import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { Form, useSubmit } from "@remix-run/react";
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { ClientOnly } from "remix-utils/client-only";
import { useTranslation } from "react-i18next";
import { PlaceFields } from "~/components/place-fields";
import { useIsPending } from "~/components/use-is-pending";
import { ErrorSummary, Field, FieldErrors, limitsOf, SelectField, TextAreaField, textLimitsOf, useOpenOnError } from "~/components/ui/field";
import {
  ACTIVITIES,
  AGENCIES,
  DETAINED_SLOTS,
  OFFICER_SLOTS,
  ReportSchema,
  TRI_STATES,
  URGENCIES,
  VEHICLE_SLOTS,
  WARRANTS,
  WITNESS_SLOTS,
} from "~/modules/reports/schema";
import type { ZoneGeometry } from "~/modules/zones/geometry";
import { sealPeople, type BrowserRecipient } from "~/modules/reports/recipients";

/** Every field's HTML limits, from the schema the server checks (`officers[2].name` reads `officers[].name`). */
const REPORT_LIMITS = getZodConstraint(ReportSchema);
// Nothing typed into a report is offered again by the browser's autofill (a seized phone, issue 18).
const limit = (name: string) => ({ ...limitsOf(REPORT_LIMITS[name] ?? {}), autoComplete: "off" });
const textLimit = (name: string) => ({ ...textLimitsOf(REPORT_LIMITS[name] ?? {}), autoComplete: "off" });

export interface ReportFormProps {
  clientUuid: string;
  /** "2026-11-26T09:30" now, in the organisation's time zone. */
  nowLocal: string;
  /** Whom sealed details go to (the browser drops any key whose waiting period is not over). */
  recipients: BrowserRecipient[];
  zones: { id: string; name: string; colour: string; geometry: ZoneGeometry }[];
  tileUrl: string;
  attribution: string;
  lastResult?: SubmissionResult<string[]> | null;
  /** Values of a report being edited. */
  values?: Record<string, unknown>;
  /** Editing an existing report: sealed parts are only added by addenda. */
  editing?: boolean;
  /** A new report kept on the phone: told of every change (to keep a draft)… */
  onDraftChange?: (form: HTMLFormElement) => void;
  /** …and given the sealed form before the first attempt (to keep it in the outbox). */
  keepBeforeSending?: (sealed: FormData) => Promise<void>;
  /** The clientUuid is not settled yet (the phone's drafts are being read): a submit waits for it. */
  holdSubmit?: boolean;
}

type Fields = Record<string, { errors?: string[]; initialValue?: unknown }>;

/** Where the error summary links to for a field: its input's id below, or the error of a hidden one. */
const OTHER_IDS: Record<string, string> = { activities: "activities-error", agencies: "agencies-error", clientUuid: "clientUuid-error", sealed: "sealed-error", sealedDetained: "sealed-error", sealedWitnesses: "sealed-error", accuracy: "latitude" };
export const reportFieldId = (name: string) => `report-${OTHER_IDS[name] ?? name}`;

/**
 * The sealing code (19 KB gzip) loads once the form is up, not before it paints: it is needed only
 * at submit. The form starts loading it at once, and the copy kept for offline use includes it
 * (report-on-phone waits for it before listing the page's files for the service worker).
 */
export const loadSealing = () => import("~/integrations/sealing");

// The notice that whom sealed details go to changed (ADR 018) reads this browser's storage, so it
// exists only in the browser, fetched after the page is up (the form's JavaScript has a budget).
const LazyRecipientNotice = lazy(() => import("~/components/recipient-notice"));

/** "Who can open sealed details has changed", shown before sealing when it has. */
export function RecipientNotice({ recipients }: { recipients: BrowserRecipient[] }) {
  return (
    <ClientOnly>
      {() => (
        <Suspense fallback={null}>
          <LazyRecipientNotice recipients={recipients} />
        </Suspense>
      )}
    </ClientOnly>
  );
}

/** The form's P2 fields sealed to the report's client_uuid (sealPeople). */
export const sealFormData = (formData: FormData, recipients: ReportFormProps["recipients"], clientUuid: string) =>
  sealPeople(formData, recipients, clientUuid, loadSealing);

export function ReportForm(props: ReportFormProps) {
  const { t } = useTranslation();
  const submit = useSubmit();
  const busy = useIsPending({ state: "submitting" });
  const formRef = useRef<HTMLFormElement>(null);
  const heldSubmit = useRef(false);
  const sealing = useRef(false);
  useEffect(() => {
    void loadSealing().catch(() => undefined);
  }, []);
  const [form, fieldsRaw] = useForm({
    id: "report",
    lastResult: props.lastResult,
    constraint: REPORT_LIMITS,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ReportSchema }),
    shouldValidate: "onSubmit",
    onSubmit(event, { formData }) {
      event.preventDefault();
      // A second tap while the first is on its way would only be a second attempt at the same report.
      if (busy) return;
      if (props.holdSubmit) {
        heldSubmit.current = true;
        return;
      }
      if (sealing.current) return;
      sealing.current = true;
      void sealFormData(formData, props.recipients, props.clientUuid)
        .finally(() => {
          sealing.current = false;
        })
        .then(
          (sealed) => {
            setSealFailed(false);
            return (props.keepBeforeSending?.(sealed) ?? Promise.resolve()).then(() => submit(sealed, { method: "post" }));
          },
          // a broken key (or sealing code that could not load) must not make the button silently do nothing
          () => setSealFailed(true),
        );
    },
  });
  useEffect(() => {
    if (!props.holdSubmit && heldSubmit.current) {
      heldSubmit.current = false;
      formRef.current?.requestSubmit();
    }
  }, [props.holdSubmit]);
  const fields = fieldsRaw as unknown as Fields;
  const initial = (form.initialValue ?? {}) as Record<string, unknown>;
  const value = (name: string, fallback = ""): string => {
    const v = initial[name] ?? props.values?.[name];
    return typeof v === "string" ? v : typeof v === "number" ? String(v) : fallback;
  };
  const list = (name: string): string[] => {
    const v = initial[name] ?? props.values?.[name];
    return Array.isArray(v) ? (v as string[]) : typeof v === "string" ? [v] : [];
  };
  const nested = (name: string, index: number, key: string) => {
    const arr = (initial[name] ?? props.values?.[name]) as Record<string, string>[] | undefined;
    return arr?.[index]?.[key] ?? "";
  };
  const errors = (name: string) => fields[name]?.errors;
  const allErrors = form.allErrors;
  /** A collapsed section opens itself when a field in it (by name) has an error. */
  const hasError = (...names: string[]) => Object.keys(allErrors).some((key) => names.some((n) => key === n || key.startsWith(`${n}[`)));
  const openAgents = useOpenOnError(hasError("masked", "vestText", "equipment"));
  const openLegal = useOpenOnError(hasError("identified", "warrant", "homeEntry", "consentAsked", "consentGiven", "useOfForce", "injuries", "localPoliceAssisting", "officers", "vehicles"));
  const openNarrative = useOpenOnError(hasError("narrative"));
  const openDetained = useOpenOnError(hasError("detained"));
  const openWitnesses = useOpenOnError(hasError("witnesses"));

  const [sealFailed, setSealFailed] = useState(false);

  const tri = (name: string, label: string) => (
    <SelectField
      id={`report-${name}`}
      label={label}
      name={name}
      autoComplete="off"
      defaultValue={value(name, "unknown")}
      errors={errors(name)}
      options={TRI_STATES.map((v) => ({ value: v, label: t(`reports.tri.${v}`) }))}
    />
  );

  return (
    <Form
      method="post"
      {...getFormProps(form)}
      ref={formRef}
      autoComplete="off"
      aria-busy={props.holdSubmit || undefined}
      className="stack report-form"
      onChange={props.onDraftChange ? (event) => props.onDraftChange!(event.currentTarget) : undefined}
    >
      <ErrorSummary errors={allErrors} formId={form.id} idOf={reportFieldId} />
      <input type="hidden" name="clientUuid" value={props.clientUuid} />
      <FieldErrors id="report-clientUuid-error" errors={errors("clientUuid")} />
      <FieldErrors id="report-sealed-error" errors={sealFailed ? ["reports.errors.sealFailed"] : errors("sealed")} />

      <section aria-labelledby="quick-title" className="card stack">
        <h2 id="quick-title">{t("reports.quickTitle")}</h2>
        <Field
          id="report-occurredAt"
          label={t("reports.occurredAt")}
          name="occurredAt"
          {...limit("occurredAt")}
          type="datetime-local"
          defaultValue={value("occurredAt", props.nowLocal)}
          errors={errors("occurredAt")}
        />
        <fieldset aria-describedby={errors("activities") ? "report-activities-error" : undefined}>
          <legend>{t("reports.activities")}</legend>
          <div className="checks">
            {ACTIVITIES.map((a) => (
              <label key={a}>
                <input type="checkbox" name="activities" value={a} autoComplete="off" defaultChecked={list("activities").includes(a)} /> {t(`reports.activity.${a}`)}
              </label>
            ))}
          </div>
          <FieldErrors id="report-activities-error" errors={errors("activities")} />
        </fieldset>
        <div className="inline-forms">
          <Field
            id="report-agentCountMin"
            label={t("reports.agentCount")}
            name="agentCountMin"
            {...limit("agentCountMin")}
            type="number"
            inputMode="numeric"
            defaultValue={value("agentCountMin")}
            errors={errors("agentCountMin")}
          />
          <label className="check">
            <input type="checkbox" name="agentsPossiblyMore" autoComplete="off" defaultChecked={value("agentsPossiblyMore") === "on" || props.values?.agentsPossiblyMore === true} />{" "}
            {t("reports.possiblyMore")}
          </label>
          <Field
            id="report-vehicleCount"
            label={t("reports.vehicleCount")}
            name="vehicleCount"
            {...limit("vehicleCount")}
            type="number"
            inputMode="numeric"
            defaultValue={value("vehicleCount")}
            errors={errors("vehicleCount")}
          />
        </div>
        <fieldset>
          <legend>{t("reports.agencies")}</legend>
          <div className="checks">
            {AGENCIES.map((a) => (
              <label key={a}>
                <input type="checkbox" name="agencies" value={a} autoComplete="off" defaultChecked={list("agencies").includes(a)} /> {t(`reports.agency.${a}`)}
              </label>
            ))}
          </div>
          <FieldErrors id="report-agencies-error" errors={errors("agencies")} />
        </fieldset>
        <fieldset>
          <legend>{t("reports.urgency")}</legend>
          <div className="checks">
            {URGENCIES.map((u) => (
              <label key={u}>
                <input type="radio" name="urgency" value={u} autoComplete="off" defaultChecked={value("urgency", "high") === u} /> {t(`reports.urgencyLevel.${u}`)}
              </label>
            ))}
          </div>
        </fieldset>

        <PlaceFields
          idPrefix="report"
          texts="reports"
          zones={props.zones}
          tileUrl={props.tileUrl}
          attribution={props.attribution}
          value={value}
          errors={errors}
          limits={limit("crossStreets")}
          onSite
          // The map and "Use my location" change the place without an input event: the draft follows too.
          onPlaceChange={() => formRef.current && props.onDraftChange?.(formRef.current)}
        />
        <p>
          <button type="submit" className="primary big" aria-disabled={busy || undefined}>
            {props.editing ? t("reports.saveChanges") : t("reports.submit")}
          </button>
        </p>
      </section>

      <h2>{t("reports.addDetails")}</h2>
      <p className="help">{t("reports.addDetailsHelp")}</p>

      <details className="card" open={openAgents}>
        <summary>{t("reports.agentsTitle")}</summary>
        {tri("masked", t("reports.masked"))}
        <Field id="report-vestText" label={t("reports.vestText")} name="vestText" {...limit("vestText")} defaultValue={value("vestText")} errors={errors("vestText")} />
        <Field id="report-equipment" label={t("reports.equipment")} name="equipment" {...limit("equipment")} defaultValue={value("equipment")} errors={errors("equipment")} />
      </details>

      <details className="card" open={openLegal}>
        <summary>{t("reports.legalTitle")}</summary>
        {tri("identified", t("reports.identified"))}
        <SelectField
          id="report-warrant"
          label={t("reports.warrant")}
          name="warrant"
          autoComplete="off"
          defaultValue={value("warrant", "unknown")}
          errors={errors("warrant")}
          options={WARRANTS.map((v) => ({ value: v, label: t(`reports.warrantType.${v}`) }))}
        />
        {tri("homeEntry", t("reports.homeEntry"))}
        {tri("consentAsked", t("reports.consentAsked"))}
        {tri("consentGiven", t("reports.consentGiven"))}
        {tri("useOfForce", t("reports.useOfForce"))}
        {tri("injuries", t("reports.injuries"))}
        {tri("localPoliceAssisting", t("reports.localPolice"))}
        <fieldset>
          <legend>{t("reports.officers")}</legend>
          {Array.from({ length: OFFICER_SLOTS }, (_, i) => (
            <div className="inline-forms" key={i}>
              <Field id={`report-officer-${i}-name`} label={t("reports.officerName", { n: i + 1 })} name={`officers[${i}].name`} {...limit(`officers[${i}].name`)} defaultValue={nested("officers", i, "name")} />
              <Field id={`report-officer-${i}-badge`} label={t("reports.badge", { n: i + 1 })} name={`officers[${i}].badge`} {...limit(`officers[${i}].badge`)} defaultValue={nested("officers", i, "badge")} />
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t("reports.vehicles")}</legend>
          {Array.from({ length: VEHICLE_SLOTS }, (_, i) => (
            <div className="inline-forms" key={i}>
              <Field id={`report-vehicle-${i}-make`} label={t("reports.vehicleMake", { n: i + 1 })} name={`vehicles[${i}].make`} {...limit(`vehicles[${i}].make`)} defaultValue={nested("vehicles", i, "make")} />
              <Field id={`report-vehicle-${i}-colour`} label={t("reports.vehicleColour", { n: i + 1 })} name={`vehicles[${i}].colour`} {...limit(`vehicles[${i}].colour`)} defaultValue={nested("vehicles", i, "colour")} />
              <Field id={`report-vehicle-${i}-plate`} label={t("reports.vehiclePlate", { n: i + 1 })} name={`vehicles[${i}].plate`} {...limit(`vehicles[${i}].plate`)} defaultValue={nested("vehicles", i, "plate")} />
            </div>
          ))}
        </fieldset>
      </details>

      <details className="card" open={Boolean(value("narrative")) || openNarrative}>
        <summary>{t("reports.narrativeTitle")}</summary>
        <TextAreaField id="report-narrative" label={t("reports.narrative")} name="narrative" {...textLimit("narrative")} rows={6} defaultValue={value("narrative")} errors={errors("narrative")} help={t("reports.narrativeHelp")} />
      </details>

      {props.editing ? null : (
        <>
          {props.onDraftChange ? <p className="help">{t("reports.offline.peopleNotKept")}</p> : null}
          <details className="card sealed-section" open={openDetained}>
            <summary>{t("reports.detainedTitle")}</summary>
            <p className="help">{t("reports.sealedHelp")}</p>
            {Array.from({ length: DETAINED_SLOTS }, (_, i) => (
              <fieldset key={i} className="person">
                <legend>{t("reports.detainedPerson", { n: i + 1 })}</legend>
                <Field id={`report-detained-${i}-name`} label={t("reports.personName")} name={`detained[${i}].name`} {...limit(`detained[${i}].name`)} autoComplete="off" defaultValue={nested("detained", i, "name")} />
                <div className="inline-forms">
                  <Field id={`report-detained-${i}-dob`} label={t("reports.dateOfBirth")} name={`detained[${i}].dateOfBirth`} {...limit(`detained[${i}].dateOfBirth`)} autoComplete="off" defaultValue={nested("detained", i, "dateOfBirth")} />
                  <Field id={`report-detained-${i}-country`} label={t("reports.countryOfBirth")} name={`detained[${i}].countryOfBirth`} {...limit(`detained[${i}].countryOfBirth`)} autoComplete="off" defaultValue={nested("detained", i, "countryOfBirth")} />
                  <Field
                    id={`report-detained-${i}-anumber`}
                    label={t("reports.aNumber")}
                    name={`detained[${i}].aNumber`}
                    {...limit(`detained[${i}].aNumber`)}
                    autoComplete="off"
                    defaultValue={nested("detained", i, "aNumber")}
                    errors={errors(`detained[${i}].aNumber`)}
                  />
                </div>
                <Field id={`report-detained-${i}-where`} label={t("reports.whereTaken")} name={`detained[${i}].whereTaken`} {...limit(`detained[${i}].whereTaken`)} autoComplete="off" defaultValue={nested("detained", i, "whereTaken")} />
                <Field id={`report-detained-${i}-family`} label={t("reports.familyContact")} name={`detained[${i}].familyContact`} {...limit(`detained[${i}].familyContact`)} autoComplete="off" defaultValue={nested("detained", i, "familyContact")} />
                <SelectField
                  id={`report-detained-${i}-consent`}
                  label={t("reports.consentToContact")}
                  name={`detained[${i}].consentToContact`}
                  autoComplete="off"
                  defaultValue={nested("detained", i, "consentToContact") || "unknown"}
                  options={TRI_STATES.map((v) => ({ value: v, label: t(`reports.tri.${v}`) }))}
                />
                <div className="inline-forms">
                  <Field id={`report-detained-${i}-channel`} label={t("reports.contactChannel")} name={`detained[${i}].contactChannel`} {...limit(`detained[${i}].contactChannel`)} autoComplete="off" defaultValue={nested("detained", i, "contactChannel")} />
                  <Field id={`report-detained-${i}-language`} label={t("reports.contactLanguage")} name={`detained[${i}].contactLanguage`} {...limit(`detained[${i}].contactLanguage`)} autoComplete="off" defaultValue={nested("detained", i, "contactLanguage")} />
                </div>
              </fieldset>
            ))}
          </details>

          <details className="card sealed-section" open={openWitnesses}>
            <summary>{t("reports.witnessesTitle")}</summary>
            <p className="help">{t("reports.sealedHelp")}</p>
            {Array.from({ length: WITNESS_SLOTS }, (_, i) => (
              <fieldset key={i} className="person">
                <legend>{t("reports.witness", { n: i + 1 })}</legend>
                <Field id={`report-witness-${i}-name`} label={t("reports.personName")} name={`witnesses[${i}].name`} {...limit(`witnesses[${i}].name`)} autoComplete="off" defaultValue={nested("witnesses", i, "name")} />
                <Field id={`report-witness-${i}-contact`} label={t("reports.witnessContact")} name={`witnesses[${i}].contact`} {...limit(`witnesses[${i}].contact`)} autoComplete="off" defaultValue={nested("witnesses", i, "contact")} />
                <SelectField
                  id={`report-witness-${i}-video`}
                  label={t("reports.hasVideo")}
                  name={`witnesses[${i}].hasVideo`}
                  autoComplete="off"
                  defaultValue={nested("witnesses", i, "hasVideo") || "unknown"}
                  options={TRI_STATES.map((v) => ({ value: v, label: t(`reports.tri.${v}`) }))}
                />
              </fieldset>
            ))}
          </details>
        </>
      )}

      <p>
        <button type="submit" className="primary big" aria-disabled={busy || undefined}>
          {props.editing ? t("reports.saveChanges") : t("reports.submit")}
        </button>
      </p>
    </Form>
  );
}
