import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AlertCard } from "~/components/alert-card";
import { FieldErrors, TextAreaField } from "~/components/ui/field";
import { useOrgClock } from "~/components/use-org-clock";
import { alertShowsFrom, describeAlert, floorToQuarterHour, type AlertKind } from "~/modules/alerts/alerts";
import { PUBLIC_TEXT_MAX, type TextWarning } from "~/modules/alerts/text-warnings";

export type AlertIntent = "alertPreview" | "alertPublish" | "alertUnpublish";

interface Result {
  ok: boolean;
  intent: string;
  error: string | null;
  field: string | null;
  values: { publicText?: string } | null;
  preview: { text: string; warnings: TextWarning[] } | null;
}

interface ReportBits {
  id: string;
  verification: string;
  occurredAt: string;
  zoneName: string | null;
  agencies: string[];
  activities: string[];
}

interface AlertRow {
  id: string;
  kind: AlertKind;
  showFrom: string;
  expiresAt: string;
  publishedAt: string;
  unpublishedAt: string | null;
}

/** "Publish alert" on an attorney's report page (docs/decisions/026-community-alerts.md). */
export function CommunityAlertSection({ report, alerts, delayMinutes, result }: { report: ReportBits; alerts: AlertRow[]; delayMinutes: number; result: Result | null }) {
  const { t, i18n } = useTranslation();
  const clock = useOrgClock();
  const when = (iso: string) => `${clock.formatDay(iso)} · ${clock.formatTime(iso)}`;
  const kind = report.verification === "confirmed" || report.verification === "false_alarm" ? (report.verification as AlertKind) : null;
  const live = alerts.find((a) => !a.unpublishedAt);
  const errorOf = (intent: AlertIntent, field?: string) =>
    result && !result.ok && result.intent === intent && (!field || result.field === field || (field === "publish" && !["publicText", "reviewed", "confirmWarnings"].includes(result.field ?? ""))) ? [result.error!] : undefined;
  const preview = result?.preview ?? null;
  const published = result?.ok && result.intent === "alertPublish";
  const previewing = preview && !published && kind && !live;
  const showsFrom = kind ? alertShowsFrom(kind, new Date(report.occurredAt), delayMinutes, new Date()) : null;

  return (
    <section className="card stack" aria-labelledby="alert-title" id="community-alert">
      <h2 id="alert-title">{t("alerts.publish.title")}</h2>
      <p className="help">{t("alerts.publish.help")}</p>
      {alerts.length ? (
        <>
          <h3>{t("alerts.publish.liveTitle")}</h3>
          <ul className="task-list">
            {alerts.map((a) => (
              <li key={a.id}>
                {a.unpublishedAt ? (
                  t("alerts.publish.unpublishedItem", { kind: t(`alerts.kind.${a.kind}`), published: when(a.publishedAt), unpublished: when(a.unpublishedAt) })
                ) : (
                  <Form method="post" className="inline-forms">
                    <input type="hidden" name="intent" value="alertUnpublish" />
                    <input type="hidden" name="alertId" value={a.id} />
                    <span>{t("alerts.publish.liveItem", { kind: t(`alerts.kind.${a.kind}`), published: when(a.publishedAt), from: when(a.showFrom), until: when(a.expiresAt) })}</span>
                    <button type="submit" className="secondary" aria-label={t("alerts.publish.unpublishNamed", { published: when(a.publishedAt) })}>
                      {t("alerts.publish.unpublish")}
                    </button>
                  </Form>
                )}
              </li>
            ))}
          </ul>
          <FieldErrors id="alert-unpublish-error" errors={errorOf("alertUnpublish")} />
        </>
      ) : null}
      {!kind ? <p>{t("alerts.publish.notVerified")}</p> : null}
      {kind && !live ? (
        <Form method="post" className="stack" key={published ? "alert-reset" : "alert"}>
          <input type="hidden" name="intent" value="alertPreview" />
          <p className="warning">{t("alerts.publish.noNames")}</p>
          <TextAreaField
            id="alert-text"
            name="publicText"
            label={t("alerts.publish.textLabel")}
            help={t("alerts.publish.textHelp")}
            rows={3}
            maxLength={PUBLIC_TEXT_MAX}
            required
            defaultValue={published ? "" : (preview?.text ?? result?.values?.publicText ?? "")}
            errors={errorOf("alertPreview", "publicText") ?? errorOf("alertPublish", "publicText")}
          />
          <p className="help">{t("alerts.publish.delayNote", { minutes: delayMinutes })}</p>
          <p>
            <button type="submit" className="secondary">
              {t("alerts.publish.preview")}
            </button>
          </p>
        </Form>
      ) : null}
      {previewing ? (
        <Form method="post" className="stack" aria-labelledby="alert-preview-title">
          <input type="hidden" name="intent" value="alertPublish" />
          <input type="hidden" name="publicText" value={preview.text} />
          <h3 id="alert-preview-title">{t("alerts.publish.previewTitle")}</h3>
          <AlertCard
            as="p"
            text={preview.text}
            words={describeAlert(
              { kind, zoneName: report.zoneName ?? "", agencies: report.agencies.filter((a) => a !== "unknown"), activities: report.activities, occurredAt: floorToQuarterHour(new Date(report.occurredAt)).toISOString(), publicText: preview.text },
              t,
              clock.timeZone,
              i18n.language,
            )}
            kind={kind}
          />
          <p>{showsFrom && showsFrom.getTime() > Date.now() + 60_000 ? t("alerts.publish.showsAt", { time: when(showsFrom.toISOString()) }) : t("alerts.publish.showsNow")}</p>
          {preview.warnings.length ? (
            <div className="warning" id="alert-warnings">
              <p>{t("alerts.publish.warningsIntro")}</p>
              <ul>
                {preview.warnings.map((w) => (
                  <li key={w}>{t(`alerts.publish.warning.${w}`)}</li>
                ))}
              </ul>
              <div className="field checkbox">
                <input id="alert-confirm-warnings" type="checkbox" name="confirmWarnings" aria-describedby="alert-warnings" aria-invalid={errorOf("alertPublish", "confirmWarnings") ? true : undefined} />
                <label htmlFor="alert-confirm-warnings">{t("alerts.publish.confirmWarnings")}</label>
              </div>
              <FieldErrors id="alert-confirm-warnings-error" errors={errorOf("alertPublish", "confirmWarnings")} />
            </div>
          ) : null}
          <div className="field checkbox">
            <input id="alert-reviewed" type="checkbox" name="reviewed" required aria-invalid={errorOf("alertPublish", "reviewed") ? true : undefined} />
            <label htmlFor="alert-reviewed">{t("alerts.publish.reviewed")}</label>
          </div>
          <FieldErrors id="alert-reviewed-error" errors={errorOf("alertPublish", "reviewed")} />
          <FieldErrors id="alert-publish-error" errors={errorOf("alertPublish", "publish")} />
          <p>
            <button type="submit" className="primary">
              {t("alerts.publish.submit")}
            </button>
          </p>
        </Form>
      ) : null}
    </section>
  );
}
