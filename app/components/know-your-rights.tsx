import { useTranslation } from "react-i18next";

/** The know-your-rights card: open on the home page and /alerts, folded in every observer's page footer. */
export function KnowYourRights({ folded = false, headingId = "kyr-title" }: { folded?: boolean; headingId?: string }) {
  const { t } = useTranslation();
  const items = (
    <ol>
      {(t("kyr.items", { returnObjects: true }) as string[]).map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ol>
  );
  if (folded) {
    return (
      <details className="card kyr">
        <summary>{t("kyr.title")}</summary>
        {items}
      </details>
    );
  }
  return (
    <section className="card kyr" aria-labelledby={headingId}>
      <h2 id={headingId}>{t("kyr.title")}</h2>
      {items}
    </section>
  );
}
