import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { FieldErrors, SelectField } from "~/components/ui/field";

const LANGUAGES = ["en", "es"] as const;

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
  const { t, i18n } = useTranslation();
  const when = invitation.lastSentAt
    ? new Date(invitation.lastSentAt).toLocaleString(i18n.language, { dateStyle: "medium", timeStyle: "short" })
    : "—";
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
