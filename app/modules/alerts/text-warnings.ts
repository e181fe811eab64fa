/**
 * What in an alert's public text looks like it could find someone: a phone number, an email
 * address, a street address (English and Spanish forms). Names of people cannot be told from
 * other words here (the server never sees the sealed names to compare): the form reminds the
 * publisher instead. A match is a warning the publisher must confirm, not a refusal: "call the
 * hotline at 555-0100" is a fine thing for an alert to say.
 */
export type TextWarning = "phone" | "email" | "address";

// Seven or more digits, with the separators people type between them: (312) 555-0100, +1 312 555 0100.
const PHONE = /(?:\+\s*)?(?:\d[\s().-]{0,3}){6,}\d/;
const EMAIL = /[^\s@<>()]+@[^\s@<>()]+\.[a-z]{2,}/i;
const STREET_WORDS =
  "st|street|ave|av|avenue|blvd|boulevard|rd|road|dr|drive|ln|lane|ct|court|pl|place|way|pkwy|parkway|hwy|highway|ter|terrace|cir|circle|sq|square|trl|trail";
// 123 Main St · 1234 W 26th Street · 45 North Oak Park Ave.
const ADDRESS_EN = new RegExp(
  `\\b\\d{1,6}[a-z]?\\s+(?:(?:[nsew]|north|south|east|west)\\.?\\s+)?(?:[\\p{L}\\d'.-]+\\s+){0,3}(?:${STREET_WORDS})\\b`,
  "iu",
);
// Calle 5 #123 · Av. Juárez 45 · Avenida Hidalgo No. 12 · calle Morelos núm. 8
const SPANISH_STREET = "calle|avenida|av\\.?|avda\\.?|calzada|callejón|callejon|privada|carretera|camino|boulevard|blvd\\.?|bulevar|paseo|andador|cerrada";
const ADDRESS_ES = new RegExp(
  `(?:^|[^\\p{L}])(?:${SPANISH_STREET})\\s+(?:[\\p{L}\\d'.-]+\\s*){1,4}?(?:#|no\\.?|n[úu]m\\.?|n[úu]mero)?\\s*\\d{1,6}\\b`,
  "iu",
);

export function textWarnings(text: string): TextWarning[] {
  const found: TextWarning[] = [];
  if (PHONE.test(text)) found.push("phone");
  if (EMAIL.test(text)) found.push("email");
  if (ADDRESS_EN.test(text) || ADDRESS_ES.test(text)) found.push("address");
  return found;
}

export const PUBLIC_TEXT_MAX = 280;
