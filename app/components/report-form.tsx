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
import { slotErrors } from "~/modules/reports/slot-errors";

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
/** A numbered group's field, `detained[0].whereTaken`, is the input `report-detained-0-whereTaken`. */
export const reportFieldId = (name: string) => `report-${OTHER_IDS[name] ?? name.replace(/\[(\d+)\]\./, "-$1-")}`;

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
  // every error by its field's name, nested ones included (`officers[1].name`), naming their slot
  const allErrors = slotErrors(form.allErrors);
  const errors = (name: string) => allErrors[name] ?? fields[name]?.errors;
  /** A collapsed section opens itself when a field in it (by name) has an error. */
  const hasError = (...names: string[]) => Object.keys(allErrors).some((key) => names.some((n) => key === n || key.startsWith(`${n}[`)));
  const openAgents = useOpenOnError(hasError("masked", "vestText", "equipment"));
  const openLegal = useOpenOnError(hasError("identified", "warrant", "homeEntry", "consentAsked", "consentGiven", "useOfForce", "injuries", "localPoliceAssisting", "officers", "vehicles"));
  const openNarrative = useOpenOnError(hasError("narrative"));
  const openDetained = useOpenOnError(hasError("detained"));
  const openWitnesses = useOpenOnError(hasError("witnesses"));

  const [sealFailed, setSealFailed] = useState(false);

  /** One field of a numbered group (an officer, a vehicle, a person): `officers[1].name`. */
  const slotField = (group: string, i: number, part: string, label: string) => {
    const name = `${group}[${i}].${part}`;
    return <Field id={reportFieldId(name)} label={label} name={name} {...limit(name)} defaultValue={nested(group, i, part)} errors={errors(name)} />;
  };

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
              {slotField("officers", i, "name", t("reports.officerName", { n: i + 1 }))}
              {slotField("officers", i, "badge", t("reports.badge", { n: i + 1 }))}
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t("reports.vehicles")}</legend>
          {Array.from({ length: VEHICLE_SLOTS }, (_, i) => (
            <div className="inline-forms" key={i}>
              {slotField("vehicles", i, "make", t("reports.vehicleMake", { n: i + 1 }))}
              {slotField("vehicles", i, "colour", t("reports.vehicleColour", { n: i + 1 }))}
              {slotField("vehicles", i, "plate", t("reports.vehiclePlate", { n: i + 1 }))}
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
                {slotField("detained", i, "name", t("reports.personName"))}
                <div className="inline-forms">
                  {slotField("detained", i, "dateOfBirth", t("reports.dateOfBirth"))}
                  {slotField("detained", i, "countryOfBirth", t("reports.countryOfBirth"))}
                  {slotField("detained", i, "aNumber", t("reports.aNumber"))}
                </div>
                {slotField("detained", i, "whereTaken", t("reports.whereTaken"))}
                {slotField("detained", i, "familyContact", t("reports.familyContact"))}
                <SelectField
                  id={reportFieldId(`detained[${i}].consentToContact`)}
                  label={t("reports.consentToContact")}
                  name={`detained[${i}].consentToContact`}
                  autoComplete="off"
                  defaultValue={nested("detained", i, "consentToContact") || "unknown"}
                  errors={errors(`detained[${i}].consentToContact`)}
                  options={TRI_STATES.map((v) => ({ value: v, label: t(`reports.tri.${v}`) }))}
                />
                <div className="inline-forms">
                  {slotField("detained", i, "contactChannel", t("reports.contactChannel"))}
                  {slotField("detained", i, "contactLanguage", t("reports.contactLanguage"))}
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
                {slotField("witnesses", i, "name", t("reports.personName"))}
                {slotField("witnesses", i, "contact", t("reports.witnessContact"))}
                <SelectField
                  id={reportFieldId(`witnesses[${i}].hasVideo`)}
                  label={t("reports.hasVideo")}
                  name={`witnesses[${i}].hasVideo`}
                  autoComplete="off"
                  defaultValue={nested("witnesses", i, "hasVideo") || "unknown"}
                  errors={errors(`witnesses[${i}].hasVideo`)}
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
