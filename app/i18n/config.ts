import { i18nOptions } from "./languages";
import en from "./locales/en";
import es from "./locales/es";

export { fallbackLanguage, i18nOptions, isLanguage, supportedLanguages, type Language } from "./languages";

/** Every language, for the server (pages, emails, exports). The browser fetches only its own: app/i18n/vite-plugin.ts. */
export const resources = { en: { translation: en }, es: { translation: es } };

export const i18nConfig = { ...i18nOptions, resources } as const;
