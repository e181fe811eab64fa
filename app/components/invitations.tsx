import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { Field, FieldErrors, limitsOf, SelectField } from "~/components/ui/field";
import { useOrgClock } from "~/components/use-org-clock";

const LANGUAGES = ["en", "es"] as const;

interface InviteField {
  name: string;
  initialValue?: unknown;
  errors?: string[];
  required?: boolean;
  minLength?: number;
  maxLength?: number;
}

/** Email, name and the invitation's language: the fields every invitation form has (conform's metadata). */
export function InviteFields({ email, displayName, language, defaultLanguage }: { email: InviteField; displayName: InviteField; language: InviteField; defaultLanguage: string }) {
  const { t } = useTranslation();
  return (
    <>
      <Field
        id="invite-email"
        label={t("people.email")}
        name={email.name}
        type="email"
        autoComplete="off"
        {...limitsOf(email)}
        defaultValue={email.initialValue as string | undefined}
        errors={email.errors}
      />
      <Field
        id="invite-name"
        label={t("people.name")}
        name={displayName.name}
        autoComplete="off"
        {...limitsOf(displayName)}
        defaultValue={displayName.initialValue as string | undefined}
        errors={displayName.errors}
      />
      <InvitationLanguage id="invite-language" name={language.name} defaultValue={(language.initialValue as string | undefined) ?? defaultLanguage} />
    </>
  );
}

/** The language the invitation email is written in (preselected: the organisation's default). */
export function InvitationLanguage({ name, defaultValue, id }: { name: string; defaultValue: string; id?: string }) {
  const { t } = useTranslation();
  return (
    <SelectField
      id={id}
      label={t("observers.emailLanguage")}
      name={name}
      defaultValue={defaultValue}
      options={LANGUAGES.map((code) => ({ value: code, label: t(`observers.languageNames.${code}`) }))}
    />
  );
}

/** "Has not signed in yet, invitation sent …" and the "Send again" button, for one person. */
export function InvitationPending({ invitation, name, errors }: { invitation: { id: string; lastSentAt: string | null }; name: string; errors: string[] }) {
  const { t } = useTranslation();
  // In the organisation's zone, so the server's HTML and the browser's render agree.
  const { language, timeZone } = useOrgClock();
  const when = invitation.lastSentAt ? new Date(invitation.lastSentAt).toLocaleString(language, { dateStyle: "medium", timeStyle: "short", timeZone }) : "—";
  return (
    <div className="invitation-pending">
      <p>{t("observers.pending", { when })}</p>
      <Form method="post" aria-label={t("observers.sendAgainTo", { name })}>
        <input type="hidden" name="intent" value="resend" />
        <input type="hidden" name="invitationId" value={invitation.id} />
        <button type="submit" className="secondary">
          {t("observers.sendAgain")}
          <span className="sr-only"> {name}</span>
        </button>
      </Form>
      <FieldErrors id={`invitation-${invitation.id}-error`} errors={errors} />
    </div>
  );
}
