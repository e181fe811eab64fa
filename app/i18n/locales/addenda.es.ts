/** "Agregar datos protegidos": personas de las que el observador se entera después de enviar un reporte (ADR 023). */
export const addendaEs = {
  title: "Agregar datos protegidos",
  intro: "¿Te enteraste de alguien detenido, o de un testigo, después de enviar este reporte? Agrégalos aquí. Se protegen antes de guardarse, así que solo el equipo legal puede leerlos. Después, ni tú puedes verlos.",
  submit: "Proteger y agregar",
  sealing: "Protegiendo…",
  added: "Se agregaron los datos protegidos. Solo el equipo legal puede abrirlos.",
  detained_one: "{{count}} persona detenida",
  detained_other: "{{count}} personas detenidas",
  witnesses_one: "{{count}} testigo",
  witnesses_other: "{{count}} testigos",
  summary: "Datos protegidos agregados: {{detained}} y {{witnesses}}.",
  addedAt: "agregado el {{time}}",
  addedLater: "Agregados después de enviar el reporte",
  closed: "No se pudieron abrir estos datos con tu llave.",
  errors: {
    id: "Este formulario ya no está al día. Vuelve a cargar la página e inténtalo otra vez.",
    empty: "Llena al menos una persona detenida o un testigo.",
  },
};
