import type { shiftChangeEn } from "./shift-change.en";

/** Turnos que cambian (horario, series) y por qué alguien aún no puede apuntarse a un turno. */
export const shiftChangeEs: typeof shiftChangeEn = {
  errors: {
    started: "Este turno ya empezó, así que su horario ya no puede cambiar.",
    timeConflict: "El nuevo horario no le sirve a alguien de este turno (tiene otro turno a esa hora o su capacitación ya habrá vencido). Quítalo abajo o elige otro horario.",
    timeConflictNamed: "El nuevo horario no les sirve a: {{names}}. Quítalos abajo o elige otro horario.",
    seriesNothingFrom: "No queda ningún turno de esta serie que cambiar a partir de esa fecha.",
  },
  claim: {
    training_missing: "Todavía no puedes apuntarte a turnos: tu capacitación de observador no está registrada.",
    training_expired: "No puedes apuntarte a este turno: tu capacitación vale hasta el {{until}}, antes de este turno.",
    training_expiredNow: "No puedes apuntarte a turnos: tu capacitación venció el {{until}}. Un repaso la renueva.",
    not_observer: "Solo los observadores activos pueden apuntarse a turnos.",
    overlap: "Ya tienes otro turno a esta hora, así que no puedes apuntarte a este.",
    seeMyShifts: "Ver mis turnos",
    contact: "Pide a un coordinador de {{org}} que registre tu capacitación cuando la hayas hecho.",
    contactHotline: "También puedes llamar al {{number}}.",
    badge: {
      training_missing: "Falta capacitación",
      training_expired: "La capacitación vence antes",
      not_observer: "Solo observadores",
      overlap: "Ya tienes un turno a esa hora",
    },
  },
  reschedule: {
    title: "Cambiar el horario",
    help: "Todas las personas del turno reciben el nuevo horario por correo; sus calendarios y recordatorios lo siguen.",
    date: "Día",
    save: "Cambiar el horario",
    done: "Se cambió el horario y se avisará a todas las personas del turno.",
    conflictsTitle: "No pueden quedarse con el nuevo horario",
    conflictsHelp: "Estas personas tienen otro turno en el nuevo horario, o su capacitación ya habrá vencido para entonces. Marca a quienes quitar de este turno (se les avisa) y vuelve a cambiar el horario.",
    conflictLine: "{{name}}: ya está en {{zone}}, {{when}}",
    trainingLine: "{{name}}: su capacitación vale hasta el {{until}}, antes de la nueva fecha",
    takeOff: "Quitar a {{name}} de este turno",
  },
  series: {
    title: "Cambiar la serie semanal",
    help: "Cambia el horario, la capacidad y las necesidades de todos los turnos de esta serie a partir del día que elijas. Los turnos anteriores, empezados o cancelados no cambian.",
    summary_one: "Semanal: {{days}}, {{start}}–{{end}}, del {{from}} al {{to}}; {{count}} turno próximo.",
    summary_other: "Semanal: {{days}}, {{start}}–{{end}}, del {{from}} al {{to}}; {{count}} turnos próximos.",
    from: "A partir del",
    save: "Cambiar la serie",
    capacity: "Plazas en cada turno",
    done_one: "Se cambió {{count}} turno de la serie.",
    done_other: "Se cambiaron {{count}} turnos de la serie.",
  },
  email: {
    timeChangedSubject: "Nuevo horario de tu turno en {{zone}}: {{day}}",
    timeChangedBody: "Un coordinador cambió el horario de tu turno. Este es el nuevo horario; tu calendario también lo muestra.",
    takenOffSubject: "Se te quitó de un turno en {{zone}} ({{day}})",
    takenOffBody: "Un coordinador movió este turno a una hora en la que ya tienes otro turno, así que se te quitó de este. Tu otro turno sigue igual.",
    takenOffTrainingBody: "Un coordinador movió este turno a una fecha en la que tu capacitación de observador ya no vale, así que se te quitó de este. Una capacitación de repaso la renueva; pregúntale a tu coordinador.",
  },
  coverage: {
    createShift: "Crear turno",
    createShiftFor: "para {{zone}}",
  },
};
