import type { declarationEn } from "./declaration.en";

/** Una declaración que acepta un tribunal (28 U.S.C. § 1746): el formulario de la persona observadora y el texto del PDF. */
export const declarationEs: typeof declarationEn = {
  title: "Declaración para firmar",
  intro:
    "Un PDF de este reporte como tu declaración bajo pena de perjurio, para imprimir, firmar y fechar. Revisa tu nombre tal como debe aparecer. Los datos de personas detenidas y testigos están protegidos: el servidor no puede leerlos, así que no aparecen.",
  link: "Declaración para firmar (PDF)",
  nameLabel: "Tu nombre completo (declarante)",
  nameHelp: "Tal como debe aparecer en la declaración. Viene de tu perfil; cambiarlo aquí no cambia tu perfil a menos que marques la casilla de abajo.",
  saveName: "Guardar también este nombre en mi perfil",
  placeLabel: "Dónde vas a firmar (ciudad, estado)",
  placeHelp: "Opcional. Déjalo vacío para escribirlo a mano al firmar.",
  languageLabel: "Idioma de la declaración",
  language: {
    en: "Inglés",
    es: "Español, seguido de una traducción al inglés",
  },
  generate: "Descargar declaración (PDF)",
  downloadHint: "El archivo se descarga en este dispositivo. Quien lo tenga puede leer tu reporte: guárdalo bien y bórralo cuando lo hayas firmado y entregado.",
  back: "Volver al reporte",
  errors: {
    name: "Escribe tu nombre completo como declarante.",
    nameTooLong: "Acorta el nombre a 120 caracteres o menos.",
    placeTooLong: "Acorta el lugar a 120 caracteres o menos.",
    language: "Elige inglés o español.",
  },
  authorGenerated: "La persona que hizo el reporte generó su declaración para firmar (PDF)",
  attorneyLinkEs: "Declaración en español con traducción al inglés (PDF)",
  pdf: {
    title: "Declaración de {{name}}",
    titleBlank: "Declaración de la persona observadora",
    subtitle: "{{org}} · reporte de incidente de la persona observadora",
    opening: "Yo, {{name}}, declaro:",
    openingBlank: "Yo, ______________________________________________, declaro:",
    paragraph:
      "Soy observador(a) legal con {{org}}. Registré el relato que sigue en Testigo (reporte {{id}}), enviado el {{submitted}}. Se reproduce aquí tal como Testigo lo guardó; lo que agregué después aparece como anexos.",
    sealedOmitted:
      "Los datos de personas detenidas y testigos que registré ({{detained}}, {{witnesses}}) están protegidos con las claves del equipo legal. El servidor no puede leerlos, así que se omiten aquí.",
    noSealed: "No registré datos protegidos de personas detenidas ni de testigos.",
    othersAddenda: "Los anexos de otras personas aparecen en el registro después de la firma; no forman parte de esta declaración.",
    perjury: "Declaro bajo pena de perjurio conforme a las leyes de los Estados Unidos de América que lo anterior es verdadero y correcto.",
    executed: "Firmado el {{date}} en {{place}}.",
    blankDate: "______________________",
    blankPlace: "________________________________ (ciudad, estado)",
    signature: "Firma del declarante",
    date: "Fecha",
    printedName: "Nombre en letra de molde",
    place: "Lugar de firma (ciudad, estado)",
    translationTitle: "Traducción al inglés",
    translationNote:
      "Esta es la traducción al inglés de la declaración anterior, que el declarante hace en español; el texto en español es el original. Lo que escribió el declarante (relato, anexos, texto de chalecos, nombres) se reproduce tal cual, sin traducir.",
    translationFooter: "Traducción al inglés",
    recordTitle: "Registro de este documento (no forma parte de la declaración)",
    generatedBy: "Generado por",
    generatedByAuthor: "{{name}} <{{email}}>, autor(a) del reporte",
    generatedAt: "Generado el",
    declarantLanguage: "Idioma de la declaración",
  },
};
