/** Shifts that move: one notice per series edit, people already checked in. */
export const shiftMovesEn = {
  email: {
    seriesSubject_one: "A coordinator changed {{count}} of your shifts",
    seriesSubject_other: "A coordinator changed {{count}} of your shifts",
    seriesBody: "A coordinator changed the times of a weekly series of shifts you are on. Your calendar feed and reminders follow the new times.",
    movedTitle: "New times:",
    movedLine: "{{when}} in {{zone}} (was {{was}})",
    takenOffTitle: "You were taken off these shifts:",
    takenOffLine: "{{when}} in {{zone}}",
    takenOffOverlap: "The new time overlaps another shift you are on; that shift stays as it was.",
    takenOffTraining: "Your observer training stops being valid before the new date. A refresher training renews it; ask your coordinator.",
    link: "See your shifts: {{url}}",
  },
  push: {
    seriesTitle: "Your shifts changed",
    seriesBody_one: "A coordinator changed {{count}} of your shifts. Open Testigo to see it.",
    seriesBody_other: "A coordinator changed {{count}} of your shifts. Open Testigo to see them.",
  },
  checkedIn: {
    error: "Already checked in, so staying on this shift: {{names}}. The new time overlaps another of their shifts; free them from that shift first, or choose another time.",
    line: "{{name}} stays: already checked in here, and on {{zone}}, {{when}}",
    doneStaying_one: "The time was changed and everyone on the shift will be told. {{count}} person already checked in stays on it.",
    doneStaying_other: "The time was changed and everyone on the shift will be told. {{count}} people already checked in stay on it.",
  },
};
