/** Errors in forms: the summary at the top of a refused form and messages shared by many fields. */
export const formErrorsEn = {
  title: "There is a problem",
  required: "Fill in “{{field}}”.",
  tooLong_one: "“{{field}}” must be {{count}} character or fewer.",
  tooLong_other: "“{{field}}” must be {{count}} characters or fewer.",
  wholeNumber: "Enter “{{field}}” as a whole number, like {{example}}.",
  tooSmall: "“{{field}}” can't be less than {{min}}.",
  tooLarge: "“{{field}}” can't be more than {{max}}.",
  date: "Enter “{{field}}” as a real date, like 2026-12-31.",
  time: "Enter “{{field}}” as a time, like 18:00.",
  /** Names of fields whose label does not fit a message (it numbers the slot, or is a question). */
  fields: {
    officerName: "Officer's name",
    badge: "Badge number",
    vehicleMake: "Make and model",
    vehicleColour: "Vehicle colour",
    vehiclePlate: "Plate",
    personName: "Name",
    witnessContact: "Witness contact",
    shiftNotes: "Notes",
    cancelReason: "Reason",
  },
};
