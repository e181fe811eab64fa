import type { phoneEn } from "./phone.en";

/** El teléfono del observador (issue 18, puntos 1–4). */
export const phoneEs: typeof phoneEn = {
  menu: "Menú",
  quickActions: "Acciones rápidas",
  callHotline: "Llamar a la línea",
  view: "Ver turnos como",
  list: "Lista",
  map: "Mapa",
  mapLabelsHelp: "Cada zona lleva su nombre; el color dice si tiene lugares libres.",
  home: {
    onShift: "Registraste tu llegada en {{zone}}.",
  },
};
