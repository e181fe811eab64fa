import { getFormProps, useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import type { z } from "zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useFocusOutcome } from "~/components/use-focus-outcome";
import { ErrorSummary, Field, FieldErrors, limitsOf } from "~/components/ui/field";
import { languageCookie } from "~/i18n/i18next.server";
import { requireUser } from "~/modules/auth/guards.server";
import { ProfileSchema } from "~/modules/people/profile-schema";
import { SPOKEN_LANGUAGES } from "~/modules/people/spoken-languages";
import { readOwnProfile, updateOwnProfile } from "~/modules/people/profile.server";
import { pushAlertsState } from "~/modules/push/subscriptions.server";
import { PushAlerts } from "~/components/push-alerts";
import { constraintOf, readForm } from "~/utils/form.server";
import type { RouteHandle } from "~/root";

export const handle: RouteHandle = { titleKey: "profile.title" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const [profile, push] = await Promise.all([readOwnProfile(user.claims), pushAlertsState(user.claims)]);
  return { profile, push, constraint: constraintOf(ProfileSchema) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(request, context);
  const submission = parseWithZod(await readForm(request, 16 * 1024), { schema: ProfileSchema });
  if (submission.status !== "success") return data({ result: submission.reply(), saved: false }, { status: 400 });
  await updateOwnProfile(user.claims, submission.value);
  return data(
    { result: submission.reply(), saved: true },
    { headers: { "Set-Cookie": await languageCookie.serialize(submission.value.preferredLanguage) } },
  );
}

export default function Profile() {
  const { t, i18n } = useTranslation();
  const { profile, push, constraint } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [form, fields] = useForm<z.input<typeof ProfileSchema>>({
    lastResult: actionData?.result,
    constraint,
    // Checked by the server only: zod would add 13 KB to a page every observer opens (docs/decisions/009-performance-budgets.md).
    shouldValidate: "onSubmit",
  });
  const noticeRef = useFocusOutcome<HTMLParagraphElement>(actionData?.saved, actionData);
  const typed = <T,>(name: keyof typeof fields, saved: T) =>
    actionData && !actionData.saved ? ((fields[name].initialValue as T | undefined) ?? saved) : saved;
  const languages = [typed<string[] | string>("languages", profile.languages)].flat();
  const preferred = typed("preferredLanguage", profile.preferred_language);

  return (
    <>
    <section className="card" aria-labelledby="profile-title">
      <h1 id="profile-title">{t("profile.title")}</h1>
      {actionData?.saved ? (
        <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>
          {t("profile.saved")}
        </p>
      ) : null}
      <Form method="post" {...getFormProps(form)}>
        <ErrorSummary errors={form.allErrors} formId={form.id} idOf={(name) => (name === "languages" ? "languages-error" : `field-${name}`)} />
        <Field
          label={t("profile.name")}
          name="displayName"
          autoComplete="name"
          {...limitsOf(fields.displayName)}
          defaultValue={typed("displayName", profile.display_name)}
          errors={fields.displayName.errors}
        />
        <Field
          label={t("profile.phone")}
          name="phone"
          type="tel"
          autoComplete="tel"
          {...limitsOf(fields.phone)}
          help={t("profile.phoneHelp")}
          defaultValue={typed("phone", profile.phone ?? "")}
          errors={fields.phone.errors}
        />
        <fieldset>
          <legend>{t("profile.languages")}</legend>
          <div className="checks">
            {SPOKEN_LANGUAGES.map((language) => (
              <label key={language.code} lang={language.code}>
                <input type="checkbox" name="languages" value={language.code} defaultChecked={languages.includes(language.code)} />
                {language.name}
              </label>
            ))}
          </div>
          <FieldErrors id="languages-error" errors={fields.languages.errors} />
        </fieldset>
        <div className="field">
          <label htmlFor="preferredLanguage">{t("profile.preferredLanguage")}</label>
          <select id="preferredLanguage" name="preferredLanguage" defaultValue={preferred}>
            <option value="en" lang="en">
              English
            </option>
            <option value="es" lang="es">
              Español
            </option>
          </select>
        </div>
        <p>
          <strong>{t("profile.training")}:</strong>{" "}
          {profile.training_date
            ? new Date(`${profile.training_date}T12:00:00`).toLocaleDateString(i18n.language, { dateStyle: "long" })
            : t("profile.trainingNone")}
        </p>
        <button type="submit" className="primary">
          {t("profile.save")}
        </button>
      </Form>
    </section>
    <PushAlerts publicKey={push.publicKey} devices={push.devices} />
    </>
  );
}
