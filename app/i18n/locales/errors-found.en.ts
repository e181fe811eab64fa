/** Issue 18 item 7, errors that can be found: messages that name their field, on the forms that lacked a summary. */
export const errorsFoundEn = {
  /** A field of one numbered group of the report form, as its messages name it (by the group's name in the form). */
  officers: "Officer {{n}}: {{field}}",
  vehicles: "Vehicle {{n}}: {{field}}",
  detained: "Detained person {{n}}: {{field}}",
  witnesses: "Witness {{n}}: {{field}}",
  colour: "Colour",
  tooShort_one: "“{{field}}” must be at least {{count}} character.",
  tooShort_other: "“{{field}}” must be at least {{count}} characters.",
  notSame: "“{{field}}” must be the same passphrase as above: type it again.",
  chooseObservers: "Tick the box next to at least one person's name, then record their training.",
  csvFile: "Choose a CSV file for “{{field}}”.",
  noteTooLong: "“New note” must be 10,000 characters or fewer.",
};
