import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ZoneSchema } from "~/modules/zones/schema";
import { Field, limitsOf, SelectField, TextAreaField, textLimitsOf } from "./ui/field";
import { ErrorSummary } from "~/components/ui/field";

export interface ZoneFormValues {
  id?: string;
  name: string;
  colour: string;
  priority: number;
  notes: string;
  meetingPoint: string;
  meetingPointNote: string;
}

/**
 * The one zone form, for new and existing zones. The outline is GeoJSON text, so a zone can be
 * made without a mouse; the map fills the same field when someone draws.
 */
export function ZoneForm({
  formId,
  values,
  geometry,
  onGeometryChange,
  lastResult,
}: {
  formId: string;
  values: ZoneFormValues;
  geometry: string;
  onGeometryChange: (text: string) => void;
  lastResult?: SubmissionResult<string[]> | null;
}) {
  const { t } = useTranslation();
  const [form, fields] = useForm({
    id: formId,
    lastResult,
    constraint: getZodConstraint(ZoneSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ZoneSchema }),
    shouldValidate: "onSubmit",
  });
  const typed = (name: keyof ZoneFormValues, saved: string | number) =>
    (fields[name as keyof typeof fields]?.initialValue as string | undefined) ?? String(saved);
  return (
    <Form method="post" {...getFormProps(form)}>
      <ErrorSummary errors={form.allErrors} formId={form.id} idOf={(name) => `${formId}-${name}`} />
      <input type="hidden" name="intent" value="save" />
      {values.id ? <input type="hidden" name="id" value={values.id} /> : null}
      <Field
        id={`${formId}-name`}
        label={t("zones.name")}
        name="name"
        {...limitsOf(fields.name)}
        defaultValue={typed("name", values.name)}
        errors={fields.name.errors}
      />
      <div className="inline-forms">
        <div className="field">
          <label htmlFor={`${formId}-colour`}>{t("zones.colour")}</label>
          <input id={`${formId}-colour`} type="color" name="colour" defaultValue={typed("colour", values.colour)} />
        </div>
        <SelectField
          id={`${formId}-priority`}
          label={t("zones.priority")}
          name="priority"
          defaultValue={typed("priority", values.priority)}
          errors={fields.priority.errors}
          options={["1", "2", "3"].map((p) => ({ value: p, label: t(`zones.priorities.${p}`) }))}
        />
      </div>
      <TextAreaField
        id={`${formId}-notes`}
        label={t("zones.notes")}
        name="notes"
        {...textLimitsOf(fields.notes)}
        rows={3}
        defaultValue={typed("notes", values.notes)}
        errors={fields.notes.errors}
      />
      <TextAreaField
        id={`${formId}-geometry`}
        label={t("zones.outline")}
        name="geometry"
        className="code"
        rows={6}
        spellCheck={false}
        help={t("zones.newHelp")}
        value={geometry}
        onChange={(event) => onGeometryChange(event.target.value)}
        errors={fields.geometry.errors}
      />
      <Field
        id={`${formId}-meetingPoint`}
        label={t("zones.meetingPoint")}
        name="meetingPoint"
        inputMode="decimal"
        help={t("zones.meetingPointHelp")}
        defaultValue={typed("meetingPoint", values.meetingPoint)}
        errors={fields.meetingPoint.errors}
      />
      <Field
        id={`${formId}-meetingPointNote`}
        label={t("zones.meetingPointNote")}
        name="meetingPointNote"
        {...limitsOf(fields.meetingPointNote)}
        defaultValue={typed("meetingPointNote", values.meetingPointNote)}
        errors={fields.meetingPointNote.errors}
      />
      <button type="submit" className="primary">
        {t("zones.save")}
      </button>
    </Form>
  );
}
