import type { TFunction } from "i18next";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";

/**
 * Error messages are i18n keys, optionally followed by "|" and JSON interpolation values
 * (~/utils/field-messages); a `field` value is itself a key, the field's name.
 */
export function translateError(t: TFunction, message: string) {
  const [key, json] = message.split("|", 2);
  const values = json ? (JSON.parse(json) as Record<string, unknown>) : undefined;
  if (typeof values?.field === "string") {
    const field = t(values.field);
    // a field of a numbered group, "Officer 2: Name" (~/modules/reports/slot-errors)
    values.field = typeof values.slot === "string" ? t(values.slot, { n: values.n, field }) : field;
  }
  return t(key!, values);
}

type ErrorMap = Record<string, string[] | null | undefined>;

/**
 * The GOV.UK error summary: "There is a problem" at the top of a form that was refused, listing
 * each message as a link to its field. It takes focus when it appears and after each failed
 * submit of `formId` (with JavaScript), or by `autofocus` in the server's answer (without).
 */
export function ErrorSummary({ errors, idOf = (name) => `field-${name}`, formId }: { errors?: ErrorMap | null; idOf?: (name: string) => string; formId?: string }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const list = Object.entries(errors ?? {}).filter((e): e is [string, string[]] => Boolean(e[1]?.length));
  const seen = list.map(([name, messages]) => name + messages.join()).join();
  useEffect(() => {
    if (seen) ref.current?.focus();
  }, [seen]);
  useEffect(() => {
    const form = formId ? document.getElementById(formId) : null;
    // a second failed submit with the same errors changes nothing above: focus again after it
    const onSubmit = () => setTimeout(() => ref.current?.focus());
    form?.addEventListener("submit", onSubmit);
    return () => form?.removeEventListener("submit", onSubmit);
  }, [formId]);
  if (!list.length) return null;
  return (
    <div ref={ref} className="error-summary" tabIndex={-1} autoFocus aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{t("formErrors.title")}</h2>
      <ul>
        {list.map(([name, messages]) => (
          <li key={name}>
            <a
              href={`#${idOf(name)}`}
              onClick={(event) => {
                const field = document.getElementById(idOf(name));
                if (!field) return;
                event.preventDefault();
                field.focus();
              }}
            >
              {messages.map((m) => translateError(t, m)).join(" ")}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A collapsed section opens when a field inside has an error, and stays open after. */
export function useOpenOnError(hasError: boolean) {
  const opened = useRef(false);
  if (hasError) opened.current = true;
  return opened.current || undefined;
}

interface Limits {
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  min?: string | number;
  max?: string | number;
}

/**
 * A field's HTML limits (required, length, range) as conform reads them from the form's zod
 * schema (`useForm({ constraint: getZodConstraint(Schema) })`), so no form restates them by hand.
 */
export function limitsOf({ required, minLength, maxLength, min, max }: Limits) {
  return { required, minLength, maxLength, min, max };
}

/** The same for a textarea, which has no range. */
export function textLimitsOf({ required, minLength, maxLength }: Limits) {
  return { required, minLength, maxLength };
}

interface FieldProps extends React.InputHTMLAttributes<HTMLInputElement> {
  label: string;
  name: string;
  errors?: string[];
  help?: string;
  inputClassName?: string;
}

/**
 * A field's id and its error attributes: invalid while it has errors, described by its help and
 * its message (`<id>-help`, `<id>-error`). For a control outside Field / SelectField / TextAreaField.
 */
export const fieldA11y = (id: string, errors?: string[], help?: string) => ({
  id,
  "aria-invalid": errors?.length ? true : undefined,
  "aria-describedby": [help ? `${id}-help` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(" ") || undefined,
});

/** The label, help and errors around one control (`children`, given `fieldA11y(id, …)`). */
function FieldFrame({ id, label, help, errors, children }: { id: string; label: string; help?: string; errors?: string[]; children: React.ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {help ? (
        <span id={`${id}-help`} className="help">
          {help}
        </span>
      ) : null}
      {children}
      <FieldErrors id={`${id}-error`} errors={errors} />
    </div>
  );
}

/** A labelled input whose errors (i18n keys) are translated and announced with the field. */
export function Field({ label, name, errors, help, id = `field-${name}`, inputClassName, ...input }: FieldProps) {
  return (
    <FieldFrame id={id} label={label} help={help} errors={errors}>
      <input name={name} className={inputClassName} {...fieldA11y(id, errors, help)} {...input} />
    </FieldFrame>
  );
}

export function FieldErrors({ id, errors }: { id: string; errors?: string[] }) {
  const { t } = useTranslation();
  if (!errors?.length) return null;
  return (
    <p id={id} className="error-text" role="alert">
      {errors.map((e) => translateError(t, e)).join(" ")}
    </p>
  );
}

interface TextAreaFieldProps extends React.TextareaHTMLAttributes<HTMLTextAreaElement> {
  label: string;
  name: string;
  errors?: string[];
  help?: string;
}

export function TextAreaField({ label, name, errors, help, id = `field-${name}`, ...textarea }: TextAreaFieldProps) {
  return (
    <FieldFrame id={id} label={label} help={help} errors={errors}>
      <textarea name={name} {...fieldA11y(id, errors, help)} {...textarea} />
    </FieldFrame>
  );
}

interface SelectFieldProps extends React.SelectHTMLAttributes<HTMLSelectElement> {
  label: string;
  name: string;
  errors?: string[];
  help?: string;
  options: { value: string; label: string }[];
}

export function SelectField({ label, name, errors, help, options, id = `field-${name}`, ...select }: SelectFieldProps) {
  return (
    <FieldFrame id={id} label={label} help={help} errors={errors}>
      <select name={name} {...fieldA11y(id, errors, help)} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}
