import { useTranslation } from "react-i18next";

interface FieldProps extends React.InputHTMLAttributes<HTMLInputElement> {
  label: string;
  name: string;
  errors?: string[];
  help?: string;
  inputClassName?: string;
}

/** A labelled input whose errors (i18n keys) are translated and announced with the field. */
export function Field({ label, name, errors, help, id, inputClassName, ...input }: FieldProps) {
  const { t } = useTranslation();
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
      {hasErrors ? (
        <p id={errorId} className="error-text" role="alert">
          {errors!.map((e) => t(e)).join(" ")}
        </p>
      ) : null}
    </div>
  );
}

export function FieldErrors({ id, errors }: { id: string; errors?: string[] }) {
  const { t } = useTranslation();
  if (!errors?.length) return null;
  return (
    <p id={id} className="error-text" role="alert">
      {errors.map((e) => t(e)).join(" ")}
    </p>
  );
}
