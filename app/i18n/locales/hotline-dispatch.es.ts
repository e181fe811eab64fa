import type { hotlineDispatchEn } from "./hotline-dispatch.en";

export const hotlineDispatchEs: typeof hotlineDispatchEn = {
  banner: {
    title: "La línea de apoyo te pide verificar una llamada en {{zone}}",
    announce: "Nuevo aviso de la línea de apoyo: ve a {{place}} a verificar una llamada.",
  },
  push: {
    title: "La línea de apoyo te pide verificar una llamada",
  },
  email: {
    body: "La línea de apoyo recibió una llamada sobre {{zone}} y pide a los observadores registrados cerca que vayan a ver qué está pasando (enviado a las {{time}}).",
  },
  page: {
    note: "Nota de la línea de apoyo",
  },
};
