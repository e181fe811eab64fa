/** Counts of things, as words with their plural (i18next `_one` / `_other`), for longer sentences. */
export const countsEn = {
  detainedPeople_one: "{{count}} detained person",
  detainedPeople_other: "{{count}} detained people",
  witnesses_one: "{{count}} witness",
  witnesses_other: "{{count}} witnesses",
};
