import type { RouteHandle } from "~/root";
import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useFocusOutcome } from "~/components/use-focus-outcome";
import { Field, limitsOf } from "~/components/ui/field";
import { DomainError } from "~/db/errors.server";
import { requireRole } from "~/modules/auth/guards.server";
import { SettingsSchema } from "~/modules/settings/schema";
import { readSettings, updateSettings } from "~/modules/settings/settings.server";
import { RecoveryKeySetup } from "~/components/key-setup";
import { activeKeys, registerRecoveryKey } from "~/modules/reports/keys.server";
import { readForm } from "~/utils/form.server";
import { useEffect, useState } from "react";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "admin");
  const [settings, keys] = await Promise.all([readSettings(user.claims), activeKeys(user.claims)]);
  const recovery = keys.find((k) => k.kind === "recovery");
  return {
    settings,
    recovery: recovery ? { fingerprint: recovery.fingerprint, createdAt: new Date(recovery.created_at).toISOString() } : null,
    attorneys: keys.filter((k) => k.kind === "attorney").map((k) => ({ name: k.display_name ?? "", fingerprint: k.fingerprint })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "admin");
  const formData = await readForm(request, 32 * 1024);
  if (formData.get("intent") === "recoveryKey") {
    try {
      const fingerprint = await registerRecoveryKey(user.claims, String(formData.get("publicKey") ?? ""));
      return data({ ok: true, fingerprint });
    } catch (error) {
      if (error instanceof DomainError) return data({ ok: false, error: error.messageKey }, { status: error.status });
      throw error;
    }
  }
  const submission = parseWithZod(formData, { schema: SettingsSchema });
  if (submission.status !== "success") return data({ result: submission.reply(), saved: false }, { status: 400 });
  await updateSettings(user.claims, submission.value);
  return data({ result: submission.reply(), saved: true });
}

export default function Settings() {
  const { t } = useTranslation();
  const { settings, recovery, attorneys } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as { result?: SubmissionResult<string[]>; saved?: boolean } | undefined;
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const noticeRef = useFocusOutcome<HTMLParagraphElement>(actionData?.saved, actionData);
  const [form, fields] = useForm({
    lastResult: actionData?.result,
    constraint: getZodConstraint(SettingsSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SettingsSchema }),
    shouldValidate: "onSubmit",
    defaultValue: settings,
  });
  const value = (name: keyof typeof settings) => (fields[name].initialValue as string | undefined) ?? String(settings[name]);
  return (
    <div className="stack">
    <section className="card" aria-labelledby="settings-title">
      <h1 id="settings-title">{t("settings.title")}</h1>
      {actionData?.saved ? (
        <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>
          {t("settings.saved")}
        </p>
      ) : null}
      <Form method="post" {...getFormProps(form)}>
        <Field label={t("settings.name")} name="name" {...limitsOf(fields.name)} defaultValue={value("name")} errors={fields.name.errors} />
        <Field label={t("settings.timeZone")} name="timeZone" {...limitsOf(fields.timeZone)} defaultValue={value("timeZone")} errors={fields.timeZone.errors} />
        <Field
          label={t("settings.hotline")}
          name="hotlineNumber"
          type="tel"
          {...limitsOf(fields.hotlineNumber)}
          defaultValue={value("hotlineNumber")}
          errors={fields.hotlineNumber.errors}
        />
        <Field
          label={t("settings.trainingMonths")}
          name="trainingValidMonths"
          type="number"
          inputMode="numeric"
          {...limitsOf(fields.trainingValidMonths)}
          help={t("settings.trainingMonthsHelp")}
          defaultValue={value("trainingValidMonths")}
          errors={fields.trainingValidMonths.errors}
        />
        <Field
          label={t("settings.mediaMaxMb")}
          name="mediaMaxMb"
          type="number"
          inputMode="numeric"
          {...limitsOf(fields.mediaMaxMb)}
          help={t("settings.mediaMaxMbHelp")}
          defaultValue={value("mediaMaxMb")}
          errors={fields.mediaMaxMb.errors}
        />
        <Field
          label={t("settings.retentionDays")}
          name="retentionDays"
          type="number"
          inputMode="numeric"
          {...limitsOf(fields.retentionDays)}
          help={t("settings.retentionDaysHelp")}
          defaultValue={value("retentionDays")}
          errors={fields.retentionDays.errors}
        />
        <Field
          label={t("settings.tileUrl")}
          name="mapTileUrl"
          type="url"
          {...limitsOf(fields.mapTileUrl)}
          help={t("settings.tileUrlHelp")}
          defaultValue={value("mapTileUrl")}
          errors={fields.mapTileUrl.errors}
        />
        <Field
          label={t("settings.attribution")}
          name="mapAttribution"
          {...limitsOf(fields.mapAttribution)}
          defaultValue={value("mapAttribution")}
          errors={fields.mapAttribution.errors}
        />
        <button type="submit" className="primary">
          {t("settings.save")}
        </button>
      </Form>
    </section>
    <RecoveryKeySetup current={recovery} hydrated={hydrated} />
    {recovery ? (
      <p className="card">
        <Link to="/review/share">{t("share.fromSettings")}</Link>
      </p>
    ) : null}
    <section className="card" aria-labelledby="attorney-keys-title">
      <h2 id="attorney-keys-title">{t("keys.attorneyKeys")}</h2>
      {attorneys.length === 0 ? <p className="warning">{t("keys.noAttorneyKeys")}</p> : null}
      <ul>
        {attorneys.map((a) => (
          <li key={a.fingerprint}>
            {a.name || "—"}: <span className="mono">{a.fingerprint}</span>
          </li>
        ))}
      </ul>
    </section>
    </div>
  );
}

export const handle: RouteHandle = { titleKey: "settings.title" };
