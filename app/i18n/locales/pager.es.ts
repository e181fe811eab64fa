import type { pagerEn } from "./pager.en";

/** Enlaces de página bajo una lista larga (/coordinate/observers): funcionan sin JavaScript. */
export const pagerEs: typeof pagerEn = {
  pages: "Páginas",
  showing: "Mostrando {{from}}–{{to}} de {{total}}",
  page: "Página {{page}} de {{pages}}",
  previous: "Página anterior",
  next: "Página siguiente",
  first: "Primera página",
  last: "Última página",
  selectPage: "Seleccionar a todos en esta página",
};
