/** "Add sealed details": people an observer learns about after sending a report (ADR 023). */
export const addendaEn = {
  title: "Add sealed details",
  intro: "Learned about someone detained, or a witness, after you sent this report? Add them here. They are locked before they are stored, so only the legal team can read them. Not even you can read them afterwards.",
  submit: "Seal and add",
  sealing: "Sealing…",
  added: "Sealed details added. Only the legal team can open them.",
  detained_one: "{{count}} detained person",
  detained_other: "{{count}} detained people",
  witnesses_one: "{{count}} witness",
  witnesses_other: "{{count}} witnesses",
  summary: "Sealed details added: {{detained}} and {{witnesses}}.",
  addedAt: "added {{time}}",
  addedLater: "Added after the report was sent",
  closed: "These details could not be opened with your key.",
  errors: {
    id: "This form is out of date. Reload the page and try again.",
    empty: "Fill in at least one detained person or witness.",
  },
};
