import { RemixBrowser } from "@remix-run/react";
import { startTransition, StrictMode } from "react";
import { hydrateRoot } from "react-dom/client";
import { translationUrls } from "virtual:translations";
import { fallbackLanguage, isLanguage } from "./i18n/languages";
import { I18nextProvider } from "./i18n/react";
import { createClientI18n, type Translations } from "./i18n/translator";

/**
 * The page's language is fetched before hydration (the document head preloads it), so the first
 * render already has every string the server used: no flash of keys, no mismatch. Another
 * language is fetched when the person switches. Why not i18next here:
 * docs/decisions/009-performance-budgets.md.
 */
async function fetchTranslations(lng: string): Promise<Translations> {
  if (!isLanguage(lng)) throw new Error(`No translations for ${lng}`);
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(translationUrls[lng], { credentials: "same-origin" });
      if (!response.ok) throw new Error(`Translations for ${lng}: HTTP ${response.status}`);
      return (await response.json()) as Translations;
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

async function hydrate() {
  const htmlLang = document.documentElement.lang;
  const lng = isLanguage(htmlLang) ? htmlLang : fallbackLanguage;
  // Without its translations the page stays as the server sent it: links and forms still work.
  const i18n = createClientI18n(lng, await fetchTranslations(lng), fetchTranslations);
  startTransition(() => {
    hydrateRoot(
      document,
      <I18nextProvider i18n={i18n}>
        <StrictMode>
          <RemixBrowser />
        </StrictMode>
      </I18nextProvider>,
    );
  });
}

void hydrate();
