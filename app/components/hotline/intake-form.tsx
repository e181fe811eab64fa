import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { Form, useSubmit } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { PlaceFields } from "~/components/place-fields";
import { loadSealing } from "~/components/report-form";
import { useIsPending } from "~/components/use-is-pending";
import { Field, FieldErrors, limitsOf, SelectField, TextAreaField, textLimitsOf } from "~/components/ui/field";
import { IntakeSchema, isBlankCaller, isBlankPerson, NAMED_SLOTS, SITUATIONS, type NamedPerson } from "~/modules/hotline/schema";
import { activeRecipients, rememberRecipients, type BrowserRecipient } from "~/modules/reports/recipients";
import { AGENCIES, URGENCIES } from "~/modules/reports/schema";
import type { ZoneGeometry } from "~/modules/zones/geometry";

const LIMITS = getZodConstraint(IntakeSchema);
const limit = (name: string) => limitsOf(LIMITS[name] ?? {});

/**
 * Seals the caller and the people named in this browser, to the same recipients and in the same
 * box as an observer's report (the report's clientUuid is the box's associated data), so only
 * ciphertext leaves the device. Without JavaScript the server seals them on receipt.
 */
export async function sealIntakeFormData(formData: FormData, allRecipients: BrowserRecipient[], clientUuid: string): Promise<FormData> {
  const recipients = activeRecipients(allRecipients);
  const out = new FormData();
  const caller: Record<string, string> = {};
  const named = new Map<number, Record<string, string>>();
  for (const [name, value] of formData.entries()) {
    const c = /^caller\.(\w+)$/.exec(name);
    if (c) {
      caller[c[1]!] = String(value).trim();
      continue;
    }
    const m = /^named\[(\d+)\]\.(\w+)$/.exec(name);
    if (m) {
      named.set(Number(m[1]), { ...(named.get(Number(m[1])) ?? {}), [m[2]!]: String(value).trim() });
      continue;
    }
    out.append(name, value);
  }
  const people = [...named.values()].filter((p) => !isBlankPerson(p)) as unknown as NamedPerson[];
  const who = isBlankCaller(caller) ? null : { name: caller.name ?? "", callback: caller.callback ?? "" };
  if ((!who && people.length === 0) || allRecipients.length === 0) return out;
  if (recipients.length === 0) throw new Error("no key in use");
  const { fromB64u, sealJson } = await loadSealing();
  const { sealed } = sealJson(
    { v: 1, detained: [], witnesses: [], caller: who, named: people },
    recipients.map((r) => ({ keyId: r.keyId, publicKey: fromB64u(r.publicKey) })),
    clientUuid,
  );
  rememberRecipients(recipients);
  out.set("sealed", JSON.stringify(sealed));
  out.set("sealedDetained", String(people.filter((p) => p.situation === "detained").length));
  return out;
}

export interface IntakeFormProps {
  clientUuid: string;
  nowLocal: string;
  recipients: BrowserRecipient[];
  zones: { id: string; name: string; colour: string; geometry: ZoneGeometry }[];
  tileUrl: string;
  attribution: string;
  lastResult?: SubmissionResult<string[]> | null;
}

type Fields = Record<string, { errors?: string[]; initialValue?: unknown }>;

/** "Log a call": quick, phone-sized, and a plain form without JavaScript. */
export function IntakeForm(props: IntakeFormProps) {
  const { t } = useTranslation();
  const submit = useSubmit();
  const busy = useIsPending({ state: "submitting" });
  const sealing = useRef(false);
  const [sealFailed, setSealFailed] = useState(false);
  useEffect(() => {
    void loadSealing().catch(() => undefined);
  }, []);
  const [form, fieldsRaw] = useForm({
    id: "intake",
    lastResult: props.lastResult,
    constraint: LIMITS,
    onValidate: ({ formData }) => parseWithZod(formData, { schema: IntakeSchema }),
    shouldValidate: "onSubmit",
    onSubmit(event, { formData }) {
      event.preventDefault();
      if (busy || sealing.current) return;
      sealing.current = true;
      void sealIntakeFormData(formData, props.recipients, props.clientUuid)
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
  const fields = fieldsRaw as unknown as Fields;
  const initial = (form.initialValue ?? {}) as Record<string, unknown>;
  const value = (name: string, fallback = ""): string => {
    const v = initial[name];
    return typeof v === "string" ? v : fallback;
  };
  const list = (name: string): string[] => {
    const v = initial[name];
    return Array.isArray(v) ? (v as string[]) : typeof v === "string" ? [v] : [];
  };
  const nested = (name: string, key: string, index?: number) => {
    const v = initial[name] as Record<string, string> | Record<string, string>[] | undefined;
    const item = index === undefined ? (v as Record<string, string> | undefined) : (v as Record<string, string>[] | undefined)?.[index];
    return item?.[key] ?? "";
  };
  const errors = (name: string) => fields[name]?.errors;

  return (
    <Form method="post" {...getFormProps(form)} className="stack report-form">
      <input type="hidden" name="clientUuid" value={props.clientUuid} />
      <FieldErrors id="intake-clientUuid-error" errors={errors("clientUuid")} />
      <FieldErrors id="intake-sealed-error" errors={sealFailed ? ["reports.errors.sealFailed"] : errors("sealed")} />
      <section aria-labelledby="intake-quick" className="card stack">
        <h2 id="intake-quick">{t("hotline.newTitle")}</h2>
        <TextAreaField
          id="intake-narrative"
          label={t("hotline.what")}
          name="narrative"
          {...textLimitsOf(LIMITS.narrative ?? {})}
          rows={3}
          defaultValue={value("narrative")}
          errors={errors("narrative")}
          help={t("hotline.whatHelp")}
        />
        {/* The caller is elsewhere: no "Use my location", unlike the observer's report form. */}
        <PlaceFields idPrefix="intake" texts="hotline" zones={props.zones} tileUrl={props.tileUrl} attribution={props.attribution} value={value} errors={errors} limits={limit("crossStreets")} />
        <Field id="intake-occurredAt" label={t("hotline.when")} name="occurredAt" type="datetime-local" {...limit("occurredAt")} defaultValue={value("occurredAt", props.nowLocal)} errors={errors("occurredAt")} />
        <div className="inline-forms">
          <Field id="intake-agentCountMin" label={t("hotline.agentCount")} name="agentCountMin" type="number" inputMode="numeric" {...limit("agentCountMin")} defaultValue={value("agentCountMin")} errors={errors("agentCountMin")} />
          <label className="check">
            <input type="checkbox" name="agentsPossiblyMore" defaultChecked={value("agentsPossiblyMore") === "on"} /> {t("reports.possiblyMore")}
          </label>
        </div>
        <fieldset>
          <legend>{t("hotline.agency")}</legend>
          <div className="checks">
            {AGENCIES.map((a) => (
              <label key={a}>
                <input type="checkbox" name="agencies" value={a} defaultChecked={list("agencies").includes(a)} /> {t(`reports.agency.${a}`)}
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>{t("hotline.urgency")}</legend>
          <div className="checks">
            {URGENCIES.map((u) => (
              <label key={u}>
                <input type="radio" name="urgency" value={u} defaultChecked={value("urgency", "high") === u} /> {t(`reports.urgencyLevel.${u}`)}
              </label>
            ))}
          </div>
        </fieldset>
      </section>

      {props.recipients.length ? (
        <section aria-labelledby="intake-sealed" className="card stack sealed-section">
          <h2 id="intake-sealed">{t("hotline.sealedTitle")}</h2>
          <p className="help">{t("hotline.sealedHelp")}</p>
          <div className="inline-forms">
            <Field id="intake-caller-name" label={t("hotline.callerName")} name="caller.name" {...limit("caller.name")} autoComplete="off" defaultValue={nested("caller", "name")} />
            <Field id="intake-caller-callback" label={t("hotline.callerCallback")} name="caller.callback" type="tel" {...limit("caller.callback")} autoComplete="off" defaultValue={nested("caller", "callback")} />
          </div>
          {Array.from({ length: NAMED_SLOTS }, (_, i) => (
            <details key={i} className="person" open={i === 0 || Boolean(nested("named", "name", i))}>
              <summary>{t("hotline.person", { n: i + 1 })}</summary>
              <Field id={`intake-named-${i}-name`} label={t("hotline.personName")} name={`named[${i}].name`} {...limit(`named[${i}].name`)} autoComplete="off" defaultValue={nested("named", "name", i)} />
              <SelectField
                id={`intake-named-${i}-situation`}
                label={t("hotline.situation")}
                name={`named[${i}].situation`}
                defaultValue={nested("named", "situation", i) || "detained"}
                options={SITUATIONS.map((s) => ({ value: s, label: t(`hotline.situations.${s}`) }))}
              />
              <Field id={`intake-named-${i}-details`} label={t("hotline.personDetails")} name={`named[${i}].details`} {...limit(`named[${i}].details`)} autoComplete="off" defaultValue={nested("named", "details", i)} />
            </details>
          ))}
        </section>
      ) : (
        <p className="warning">{t("reports.noKeysWarning")}</p>
      )}
      <p>
        <button type="submit" className="primary big" aria-disabled={busy || undefined}>
          {t("hotline.submit")}
        </button>
      </p>
    </Form>
  );
}
