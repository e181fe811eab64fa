import { useTranslation } from "react-i18next";
import type { AlertKind, describeAlert } from "~/modules/alerts/alerts";

/** One community alert as the public sees it: on /alerts, and as the publisher's preview. */
export function AlertCard({ id, kind, text, words, as: Heading = "h3" }: { id?: string; kind: AlertKind; text: string; words: ReturnType<typeof describeAlert>; as?: "h3" | "p" }) {
  const { t } = useTranslation();
  const titleId = id ? `alert-${id}-title` : undefined;
  return (
    <article className={`card alert-card ${kind}`} aria-labelledby={titleId}>
      <Heading id={titleId}>{Heading === "p" ? <strong>{words.title}</strong> : words.title}</Heading>
      <p className="pre-wrap">{text}</p>
      <dl>
        <dt>{t("alerts.when")}</dt>
        <dd>{words.when}</dd>
        <dt>{t("alerts.zone")}</dt>
        <dd>{words.zone}</dd>
        {words.agencies ? (
          <>
            <dt>{t("alerts.agency")}</dt>
            <dd>{words.agencies}</dd>
          </>
        ) : null}
        {words.activities ? (
          <>
            <dt>{t("alerts.activity")}</dt>
            <dd>{words.activities}</dd>
          </>
        ) : null}
      </dl>
    </article>
  );
}
