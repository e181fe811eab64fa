import type { wipeEn } from "./wipe.en";

export const wipeEs: typeof wipeEn = {
  quickExit: "Salida rápida",
  quickExitHelp: "Borra Testigo de este teléfono, cierra tu sesión y abre otro sitio.",
  continue: "Continuar",
  signOutDialog: {
    title: "Reportes sin enviar",
    body_one: "Un reporte en este teléfono todavía no llega al servidor. Si cierras sesión, se borra de este teléfono.",
    body_other: "{{count}} reportes en este teléfono todavía no llegan al servidor. Si cierras sesión, se borran de este teléfono.",
    sendNow: "Enviar ahora",
    sending: "Enviando…",
    stillWaiting_one: "No se pudo enviar un reporte. Inténtalo otra vez cuando tengas señal, o descártalo.",
    stillWaiting_other: "No se pudieron enviar {{count}} reportes. Inténtalo otra vez cuando tengas señal, o descártalos.",
    discard: "Descartar y cerrar sesión",
    cancel: "Seguir con la sesión abierta",
  },
  settings: {
    title: "Si le quitan el teléfono a alguien",
    quickExitUrl: "La salida rápida lleva a",
    quickExitUrlHelp: "Una dirección https de un sitio común (uno del clima, por ejemplo). Los teléfonos solo la abren; Testigo nunca se conecta con ella.",
    draftTtlHours: "Los borradores se guardan en el teléfono por (horas)",
    draftTtlHoursHelp: "De 1 a 168 horas (una semana). Los borradores más viejos se borran al abrir Testigo.",
  },
  errors: {
    quickExitUrl: "Escribe una dirección completa que empiece con https://, como https://weather.com/.",
    draftTtlHours: "Escribe un número entero de horas, de 1 a 168.",
  },
  offline: {
    devNeedsBuild: "El modo sin conexión necesita la versión de producción: ejecuta npm run build && npm start.",
  },
};
