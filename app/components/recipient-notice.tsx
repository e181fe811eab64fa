import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useOrgClock } from "~/components/use-org-clock";
import { recipientChanges, rememberedRecipients, type RecipientChanges } from "~/modules/reports/recipient-changes";
import type { BrowserRecipient } from "~/modules/reports/recipients";

/**
 * Tells the observer, before they seal, that whom sealed details go to has changed since this
 * phone last sealed (a new attorney key, a replaced recovery key, a key gone), naming each key by
 * its fingerprint and since when it is a recipient. Shown until the next sealing remembers the set.
 */
export default function RecipientNotice({ recipients }: { recipients: BrowserRecipient[] }) {
  const { t } = useTranslation();
  const { formatDay, formatTime } = useOrgClock();
  const [changes, setChanges] = useState<RecipientChanges | null>(null);
  useEffect(() => setChanges(recipientChanges(rememberedRecipients(), recipients)), [recipients]);
  if (!changes) return null;
  const kindOf = (kind: string) => (kind === "recovery" ? t("keys.notice.recoveryKey") : t("keys.notice.attorneyKey"));
  return (
    <section className="notice stack" role="status" aria-labelledby="recipient-notice-title" data-testid="recipient-notice">
      <h2 id="recipient-notice-title">{t("keys.notice.title")}</h2>
      <p>{t("keys.notice.intro")}</p>
      <ul>
        {changes.added.map((r) => (
          <li key={`added-${r.fingerprint}`}>
            {t("keys.notice.added", { key: kindOf(r.kind), since: `${formatDay(r.activeFrom, true)} ${formatTime(r.activeFrom)}` })} <span className="mono">{r.fingerprint}</span>
          </li>
        ))}
        {changes.removed.map((r) => (
          <li key={`removed-${r.fingerprint}`}>
            {t("keys.notice.removed", { key: kindOf(r.kind) })} <span className="mono">{r.fingerprint}</span>
          </li>
        ))}
      </ul>
      <p className="help">{t("keys.notice.help")}</p>
    </section>
  );
}
