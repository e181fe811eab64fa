import type { shiftMovesEn } from "./shift-moves.en";

/** Turnos que cambian: un solo aviso por serie, quienes ya registraron su llegada. */
export const shiftMovesEs: typeof shiftMovesEn = {
  email: {
    seriesSubject_one: "Un coordinador cambió {{count}} de tus turnos",
    seriesSubject_other: "Un coordinador cambió {{count}} de tus turnos",
    seriesBody: "Un coordinador cambió el horario de una serie semanal de turnos en la que estás. Tu calendario y tus recordatorios siguen el nuevo horario.",
    movedTitle: "Nuevos horarios:",
    movedLine: "{{when}} en {{zone}} (antes: {{was}})",
    takenOffTitle: "Te quitaron de estos turnos:",
    takenOffLine: "{{when}} en {{zone}}",
    takenOffOverlap: "El nuevo horario choca con otro turno tuyo; ese turno sigue igual.",
    takenOffTraining: "Tu capacitación de observador vence antes de la nueva fecha. Una capacitación de repaso la renueva; pregúntale a tu coordinador.",
    link: "Ver tus turnos: {{url}}",
  },
  push: {
    seriesTitle: "Cambiaron tus turnos",
    seriesBody_one: "Un coordinador cambió {{count}} de tus turnos. Abre Testigo para verlo.",
    seriesBody_other: "Un coordinador cambió {{count}} de tus turnos. Abre Testigo para verlos.",
  },
  checkedIn: {
    error: "Ya registraron su llegada y se quedan en este turno: {{names}}. El nuevo horario choca con otro de sus turnos; primero quítales ese otro turno, o elige otro horario.",
    line: "{{name}} se queda: ya registró su llegada aquí, y está en {{zone}}, {{when}}",
    doneStaying_one: "Se cambió el horario y se avisará a todas las personas del turno. {{count}} persona que ya registró su llegada se queda en él.",
    doneStaying_other: "Se cambió el horario y se avisará a todas las personas del turno. {{count}} personas que ya registraron su llegada se quedan en él.",
  },
};
