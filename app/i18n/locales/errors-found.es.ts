/** Tema 18, punto 7, errores que se encuentran: mensajes que nombran su campo, en los formularios que no tenían resumen. */
export const errorsFoundEs = {
  officers: "Agente {{n}}: {{field}}",
  vehicles: "Vehículo {{n}}: {{field}}",
  detained: "Persona detenida {{n}}: {{field}}",
  witnesses: "Testigo {{n}}: {{field}}",
  colour: "Color",
  tooShort_one: "«{{field}}» debe tener al menos {{count}} carácter.",
  tooShort_other: "«{{field}}» debe tener al menos {{count}} caracteres.",
  notSame: "«{{field}}» debe ser la misma frase de arriba: escríbela otra vez.",
  chooseObservers: "Marca la casilla junto al nombre de por lo menos una persona y luego registra su capacitación.",
  csvFile: "Elige un archivo CSV para «{{field}}».",
  noteTooLong: "«Nueva nota» puede tener como máximo 10,000 caracteres.",
};
