import { useTranslation } from "react-i18next";
import type { ReportView } from "~/modules/reports/reports.server";
import { formatDay, formatTime } from "~/modules/clock/format";

/** A report's P0 and P1 facts and narrative, as its author and attorneys see them. */
export function ReportFacts({
  report,
  timeZone,
}: {
  report: Omit<ReportView, "addenda" | "authorId"> &
    Partial<Pick<ReportView, "addenda" | "authorId">>;
  timeZone: string;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const when = (iso: string) =>
    `${formatDay(iso, timeZone, lang)} · ${formatTime(iso, timeZone, lang)}`;
  const triRow = (label: string, v: string) =>
    v === "unknown" ? null : (
      <>
        <dt>{label}</dt>
        <dd>{t(`reports.tri.${v}`)}</dd>
      </>
    );
  return (
    <>
      <dl className="facts">
        <dt>{t("reports.occurredAt")}</dt>
        <dd>{when(report.occurredAt)}</dd>
        <dt>{t("reports.submittedAt")}</dt>
        <dd>{when(report.submittedAt)}</dd>
        <dt>{t("reports.zone")}</dt>
        <dd>{report.zoneName ?? t("reports.noZone")}</dd>
        {report.crossStreets ? (
          <>
            <dt>{t("reports.crossStreets")}</dt>
            <dd>{report.crossStreets}</dd>
          </>
        ) : null}
        <dt>{t("reports.urgency")}</dt>
        <dd>{t(`reports.urgencyLevel.${report.urgency}`)}</dd>
        <dt>{t("reports.statusTitle")}</dt>
        <dd>{t(`reports.statusLabel.${report.status}`)}</dd>
        {report.activities.length ? (
          <>
            <dt>{t("reports.activities")}</dt>
            <dd>
              {report.activities
                .map((a) => t(`reports.activity.${a}`))
                .join(", ")}
            </dd>
          </>
        ) : null}
        {report.agentCountMin !== null ? (
          <>
            <dt>{t("reports.agentCount")}</dt>
            <dd>
              {report.agentCountMin}
              {report.agentsPossiblyMore ? ` ${t("reports.orMore")}` : ""}
            </dd>
          </>
        ) : null}
        {report.vehicleCount !== null ? (
          <>
            <dt>{t("reports.vehicleCount")}</dt>
            <dd>{report.vehicleCount}</dd>
          </>
        ) : null}
        {report.agencies.length ? (
          <>
            <dt>{t("reports.agencies")}</dt>
            <dd>
              {report.agencies.map((a) => t(`reports.agency.${a}`)).join(", ")}
            </dd>
          </>
        ) : null}
        {triRow(t("reports.masked"), report.masked)}
        {report.vestText ? (
          <>
            <dt>{t("reports.vestText")}</dt>
            <dd>{report.vestText}</dd>
          </>
        ) : null}
        {report.equipment ? (
          <>
            <dt>{t("reports.equipment")}</dt>
            <dd>{report.equipment}</dd>
          </>
        ) : null}
        {triRow(t("reports.identified"), report.identified)}
        {report.warrant !== "unknown" ? (
          <>
            <dt>{t("reports.warrant")}</dt>
            <dd>{t(`reports.warrantType.${report.warrant}`)}</dd>
          </>
        ) : null}
        {triRow(t("reports.homeEntry"), report.homeEntry)}
        {triRow(t("reports.consentAsked"), report.consentAsked)}
        {triRow(t("reports.consentGiven"), report.consentGiven)}
        {triRow(t("reports.useOfForce"), report.useOfForce)}
        {triRow(t("reports.injuries"), report.injuries)}
        {triRow(t("reports.localPolice"), report.localPoliceAssisting)}
        {report.officers.length ? (
          <>
            <dt>{t("reports.officers")}</dt>
            <dd>
              {report.officers
                .map((o) => [o.name, o.badge].filter(Boolean).join(" #"))
                .join("; ")}
            </dd>
          </>
        ) : null}
        {report.vehicles.length ? (
          <>
            <dt>{t("reports.vehicles")}</dt>
            <dd>
              {report.vehicles
                .map((v) =>
                  [v.colour, v.make, v.plate].filter(Boolean).join(" ")
                )
                .join("; ")}
            </dd>
          </>
        ) : null}
      </dl>
      {report.narrative ? (
        <>
          <h2>{t("reports.narrative")}</h2>
          <p className="pre-wrap">{report.narrative}</p>
        </>
      ) : null}
    </>
  );
}
