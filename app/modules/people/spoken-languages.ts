/**
 * Languages observers commonly speak in our cities, each named in itself. Apart from the profile
 * schema so pages that only name languages do not download zod.
 */
export const SPOKEN_LANGUAGES = [
  { code: "en", name: "English" },
  { code: "es", name: "Español" },
  { code: "pt", name: "Português" },
  { code: "fr", name: "Français" },
  { code: "ht", name: "Kreyòl ayisyen" },
  { code: "ar", name: "العربية" },
  { code: "zh", name: "中文" },
  { code: "pl", name: "Polski" },
  { code: "tl", name: "Tagalog" },
  { code: "uk", name: "Українська" },
] as const;
