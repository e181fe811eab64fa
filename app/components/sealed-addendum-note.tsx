import { useTranslation } from "react-i18next";

/** What an addendum sealed (counts only: the details open for the legal team alone). */
export function SealedAddendumNote({ detained, witnesses }: { detained: number; witnesses: number }) {
  const { t } = useTranslation();
  return (
    <p className="sealed-note">
      <span aria-hidden="true">🔒 </span>
      {t("addenda.summary", { detained: t("addenda.detained", { count: detained }), witnesses: t("addenda.witnesses", { count: witnesses }) })}
    </p>
  );
}
