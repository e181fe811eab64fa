import { useTranslation } from "react-i18next";
import type { Flash } from "~/utils/flash";
import { useFocusOutcome } from "./use-focus-outcome";

/**
 * What the last action did, after it redirected here (the root loader reads the flash cookie):
 * one sentence at the top of the page, where focus moves so keyboard and screen-reader users hear it.
 */
export function FlashNotice({ flash }: { flash: Flash | null | undefined }) {
  const { t } = useTranslation();
  const ref = useFocusOutcome<HTMLParagraphElement>(flash, flash?.id);
  if (!flash) return null;
  return (
    <p key={flash.id} className={flash.tone === "error" ? "notice error" : "notice"} role={flash.tone === "error" ? "alert" : "status"} tabIndex={-1} ref={ref}>
      {String(t(flash.key, flash.values))}
    </p>
  );
}
