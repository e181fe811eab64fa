import type { pushEn } from "./push.en";

export const pushEs: typeof pushEn = {
  title: "Alertas en este dispositivo",
  intro: "Recibe despachos, avisos de “¿estás bien?”, lugares de la lista de espera y recordatorios de turnos en este dispositivo, aunque Testigo esté cerrado. Las alertas solo piden abrir Testigo: sin nombres ni lugares.",
  turnOn: "Activar alertas",
  turnOff: "Desactivar alertas",
  working: "Un momento…",
  on: "Las alertas están activadas en este dispositivo.",
  off: "Las alertas están desactivadas en este dispositivo. Recibes correos en su lugar.",
  unsupported: "Este navegador no puede mostrar alertas de Testigo. Sigues recibiendo correos. En un iPhone, primero agrega Testigo a la pantalla de inicio.",
  denied: "Las alertas de Testigo están bloqueadas en la configuración de este navegador. Permite las notificaciones allí y vuelve a intentarlo.",
  failed: "No se pudieron activar las alertas. Vuelve a intentarlo.",
  unavailable: "Las alertas aún no están configuradas en este servidor. Recibes correos.",
  errors: {
    endpoint: "La dirección de alertas de este dispositivo no es válida. Desactiva y vuelve a activar las alertas.",
    keys: "Las claves de alertas de este dispositivo no son válidas. Desactiva y vuelve a activar las alertas.",
    intent: "Elige activar o desactivar las alertas.",
  },
  message: {
    dispatchTitle: "Te han despachado",
    dispatchBody: "Abre Testigo para ver adónde ir.",
    onMyWay: "Voy en camino",
    cant: "No puedo",
    safetyTitle: "¿Estás bien?",
    safetyBody: "Abre Testigo y avisa a tu coordinador/a.",
    promotedTitle: "Tienes un lugar en un turno",
    promotedBody: "Se abrió un lugar de la lista de espera. Abre Testigo para ver los detalles.",
    dayBeforeTitle: "Tu turno es mañana",
    dayBeforeBody: "Abre Testigo para ver la hora y el punto de encuentro.",
    twoHoursTitle: "Tu turno empieza en 2 horas",
    twoHoursBody: "Abre Testigo para ver el punto de encuentro.",
  },
};
