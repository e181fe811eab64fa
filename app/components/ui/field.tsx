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
  if (typeof values?.field === "string") values.field = t(values.field);
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

/** A labelled input whose errors (i18n keys) are translated and announced with the field. */
export function Field({ label, name, errors, help, id, inputClassName, ...input }: FieldProps) {
  const inputId = id ?? `field-${name}`;
  const errorId = `${inputId}-error`;
  const helpId = `${inputId}-help`;
  const hasErrors = Boolean(errors?.length);
  const describedBy = [help ? helpId : null, hasErrors ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      {help ? (
        <span id={helpId} className="help">
          {help}
        </span>
      ) : null}
      <input
        id={inputId}
        name={name}
        className={inputClassName}
        aria-invalid={hasErrors || undefined}
        aria-describedby={describedBy}
        {...input}
      />
      <FieldErrors id={errorId} errors={errors} />
    </div>
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

export function TextAreaField({ label, name, errors, help, id, ...textarea }: TextAreaFieldProps) {
  const inputId = id ?? `field-${name}`;
  const hasErrors = Boolean(errors?.length);
  const describedBy = [help ? `${inputId}-help` : null, hasErrors ? `${inputId}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      {help ? (
        <span id={`${inputId}-help`} className="help">
          {help}
        </span>
      ) : null}
      <textarea id={inputId} name={name} aria-invalid={hasErrors || undefined} aria-describedby={describedBy} {...textarea} />
      <FieldErrors id={`${inputId}-error`} errors={errors} />
    </div>
  );
}

interface SelectFieldProps extends React.SelectHTMLAttributes<HTMLSelectElement> {
  label: string;
  name: string;
  errors?: string[];
  options: { value: string; label: string }[];
}

export function SelectField({ label, name, errors, options, id, ...select }: SelectFieldProps) {
  const inputId = id ?? `field-${name}`;
  const hasErrors = Boolean(errors?.length);
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <select id={inputId} name={name} aria-invalid={hasErrors || undefined} aria-describedby={hasErrors ? `${inputId}-error` : undefined} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldErrors id={`${inputId}-error`} errors={errors} />
    </div>
  );
}
