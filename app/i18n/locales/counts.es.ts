/** Cantidades de cosas, en palabras con su plural (i18next `_one` / `_other`), para frases más largas. */
export const countsEs = {
  detainedPeople_one: "{{count}} persona detenida",
  detainedPeople_other: "{{count}} personas detenidas",
  witnesses_one: "{{count}} testigo",
  witnesses_other: "{{count}} testigos",
};
