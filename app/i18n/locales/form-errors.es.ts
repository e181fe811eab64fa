/** Errores en formularios: el resumen arriba de un formulario rechazado y mensajes de muchos campos. */
export const formErrorsEs = {
  title: "Hay un problema",
  required: "Llena «{{field}}».",
  tooLong_one: "«{{field}}» puede tener como máximo {{count}} carácter.",
  tooLong_other: "«{{field}}» puede tener como máximo {{count}} caracteres.",
  wholeNumber: "Escribe «{{field}}» como número entero, por ejemplo {{example}}.",
  tooSmall: "«{{field}}» no puede ser menos de {{min}}.",
  tooLarge: "«{{field}}» no puede ser más de {{max}}.",
  date: "Escribe «{{field}}» como una fecha real, por ejemplo 2026-12-31.",
  time: "Escribe «{{field}}» como una hora, por ejemplo 18:00.",
  fields: {
    officerName: "Nombre del agente",
    badge: "Número de placa",
    vehicleMake: "Marca y modelo",
    vehicleColour: "Color del vehículo",
    vehiclePlate: "Placas",
    personName: "Nombre",
    witnessContact: "Contacto del testigo",
    shiftNotes: "Notas",
    cancelReason: "Motivo",
  },
};
