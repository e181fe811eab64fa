import { useTranslation } from "react-i18next";

/** The know-your-rights card, open: on the home page and on /alerts (observers' pages carry it folded in the footer). */
export function KnowYourRights({ headingId = "kyr-title" }: { headingId?: string }) {
  const { t } = useTranslation();
  return (
    <section className="card kyr" aria-labelledby={headingId}>
      <h2 id={headingId}>{t("kyr.title")}</h2>
      <ol>
        {(t("kyr.items", { returnObjects: true }) as string[]).map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ol>
    </section>
  );
}
