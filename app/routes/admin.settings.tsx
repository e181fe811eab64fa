import type { RouteHandle } from "~/root";
import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useFocusOutcome } from "~/components/use-focus-outcome";
import { ErrorSummary, Field, limitsOf, SelectField } from "~/components/ui/field";
import { DomainError } from "~/db/errors.server";
import { requireRole } from "~/modules/auth/guards.server";
import { SettingsSchema } from "~/modules/settings/schema";
import { readSettings, updateSettings } from "~/modules/settings/settings.server";
import { RecoveryKeySetup } from "~/components/key-setup";
import { approveRecoveryKey, keyTransparency, registerRecoveryKey, withdrawAttorneyKey, withdrawRecoveryKey } from "~/modules/reports/keys.server";
import { KeyTransparency } from "~/components/key-transparency";
import { useOrgClock } from "~/components/use-org-clock";
import { readForm } from "~/utils/form.server";
import { useEffect, useState } from "react";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "admin");
  const [settings, transparency] = await Promise.all([readSettings(user.claims), keyTransparency(user.claims)]);
  const recovery = transparency.keys.find((k) => k.kind === "recovery" && k.current);
  return {
    settings,
    recovery: recovery ? { fingerprint: recovery.fingerprint, createdAt: recovery.activeFrom } : null,
    transparency,
    me: user.claims.sub,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "admin");
  const formData = await readForm(request, 32 * 1024);
  const intent = formData.get("intent");
  if (intent === "recoveryKey" || intent === "approveRecovery" || intent === "withdrawRecovery" || intent === "withdrawAttorneyKey") {
    try {
      if (intent === "withdrawAttorneyKey") {
        await withdrawAttorneyKey(user.claims, String(formData.get("key") ?? ""));
        return data({ ok: true, recovery: "keyWithdrawn" as const });
      }
      if (intent === "approveRecovery") {
        return data({ ok: true, recovery: "approved" as const, activeFrom: await approveRecoveryKey(user.claims, String(formData.get("key") ?? "")) });
      }
      if (intent === "withdrawRecovery") {
        await withdrawRecoveryKey(user.claims);
        return data({ ok: true, recovery: "withdrawn" as const });
      }
      const key = await registerRecoveryKey(user.claims, String(formData.get("publicKey") ?? ""));
      return data({ ok: true, fingerprint: key.fingerprint, activeFrom: key.activeFrom, awaitingApproval: key.awaitingApproval });
    } catch (error) {
      if (error instanceof DomainError) return data({ ok: false, error: error.messageKey, recovery: "failed" as const }, { status: error.status });
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
  const { settings, recovery, transparency, me } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as
    | { result?: SubmissionResult<string[]>; saved?: boolean; recovery?: "approved" | "withdrawn" | "keyWithdrawn" | "failed"; activeFrom?: string; error?: string }
    | undefined;
  const { formatDay, formatTime } = useOrgClock();
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
        <ErrorSummary errors={form.allErrors} formId={form.id} />
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
          label={t("alerts.settings.delay")}
          name="alertDelayMinutes"
          type="number"
          inputMode="numeric"
          {...limitsOf(fields.alertDelayMinutes)}
          help={t("alerts.settings.delayHelp")}
          defaultValue={value("alertDelayMinutes")}
          errors={fields.alertDelayMinutes.errors}
        />
        <Field
          label={t("alerts.settings.expiry")}
          name="alertExpiryDays"
          type="number"
          inputMode="numeric"
          {...limitsOf(fields.alertExpiryDays)}
          defaultValue={value("alertExpiryDays")}
          errors={fields.alertExpiryDays.errors}
        />
        <SelectField
          label={t("observers.settings.defaultLanguage")}
          name="defaultLanguage"
          defaultValue={value("defaultLanguage")}
          options={(["en", "es"] as const).map((code) => ({ value: code, label: t(`observers.languageNames.${code}`) }))}
          errors={fields.defaultLanguage.errors}
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
        <fieldset>
          <legend>{t("wipe.settings.title")}</legend>
          <Field
            label={t("wipe.settings.quickExitUrl")}
            name="quickExitUrl"
            type="url"
            {...limitsOf(fields.quickExitUrl)}
            required
            help={t("wipe.settings.quickExitUrlHelp")}
            defaultValue={value("quickExitUrl")}
            errors={fields.quickExitUrl.errors}
          />
          <Field
            label={t("wipe.settings.draftTtlHours")}
            name="draftTtlHours"
            type="number"
            inputMode="numeric"
            {...limitsOf(fields.draftTtlHours)}
            required
            help={t("wipe.settings.draftTtlHoursHelp")}
            defaultValue={value("draftTtlHours")}
            errors={fields.draftTtlHours.errors}
          />
        </fieldset>
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
    {actionData?.recovery ? (
      <p className={actionData.recovery === "failed" ? "warning" : "notice"} role="status">
        {actionData.recovery === "approved"
          ? t("keys.recoveryApproved", { when: `${formatDay(actionData.activeFrom!, true)} ${formatTime(actionData.activeFrom!)}` })
          : actionData.recovery === "withdrawn"
            ? t("keys.recoveryWithdrawn")
            : actionData.recovery === "keyWithdrawn"
              ? t("keys.keyWithdrawn")
              : t(actionData.error ?? "errors.generic")}
      </p>
    ) : null}
    <KeyTransparency {...transparency} me={me} canApprove />
    </div>
  );
}

export const handle: RouteHandle = { titleKey: "settings.title" };
