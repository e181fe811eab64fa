/**
 * What the browser gets for `react-i18next` (app/i18n/vite-plugin.ts points the client's imports
 * here): `useTranslation` and `I18nextProvider` over the small translator in ./translator. The
 * server renders with the real react-i18next and i18next. A component that needs more of
 * react-i18next (`Trans`, …) fails the client build until it is added here.
 */
import { createContext, useContext, useMemo, useSyncExternalStore, type ReactNode } from "react";
import type { ClientI18n } from "./translator";

const I18nContext = createContext<ClientI18n | null>(null);

export function I18nextProvider({ i18n, children }: { i18n: ClientI18n; children?: ReactNode }) {
  return <I18nContext.Provider value={i18n}>{children}</I18nContext.Provider>;
}

export function useTranslation() {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error("useTranslation outside I18nextProvider");
  const language = useSyncExternalStore(
    i18n.subscribe,
    () => i18n.language,
    () => i18n.language,
  );
  // Same shape as react-i18next's: `const { t, i18n } = …` and `const [t, i18n] = …`.
  return useMemo(() => {
    void language;
    const result = [i18n.t, i18n, true] as unknown as [ClientI18n["t"], ClientI18n, boolean] & { t: ClientI18n["t"]; i18n: ClientI18n; ready: boolean };
    return Object.assign(result, { t: i18n.t, i18n, ready: true });
  }, [i18n, language]);
}
