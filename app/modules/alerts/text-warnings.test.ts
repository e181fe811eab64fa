import { describe, expect, it } from "vitest";
import { textWarnings } from "./text-warnings";

// What the publisher is warned about before an alert's text goes public, in English and Spanish.

describe("public text warnings", () => {
  it.each([
    ["Call (312) 555-0100 for help", ["phone"]],
    ["Llama al +1 312 555 0100", ["phone"]],
    ["Text 312.555.0100", ["phone"]],
    ["Write to help@example.org", ["email"]],
    ["Escribe a ayuda@ejemplo.mx", ["email"]],
    ["Agents at 123 Main St this morning", ["address"]],
    ["Seen near 1234 W 26th Street", ["address"]],
    ["Outside 45 North Oak Park Ave.", ["address"]],
    ["Agentes en Calle 5 #123", ["address"]],
    ["Vimos agentes en la Avenida Hidalgo No. 12", ["address"]],
    ["frente a Av. Juárez 45", ["address"]],
    ["en calle Morelos núm. 8", ["address"]],
    ["At 123 Main St; call 312-555-0100 or mail a@b.org", ["phone", "email", "address"]],
  ])("%s → %j", (text, expected) => {
    expect(textWarnings(text)).toEqual(expected);
  });

  it.each([
    "ICE agents were confirmed in the area around 3:15 PM. Stay calm and know your rights.",
    "False alarm: no agents were seen near the school. 2 vehicles were city workers.",
    "Falsa alarma: no hubo agentes cerca de la escuela. Conoce tus derechos.",
    "Actividad confirmada en la zona esta mañana; mantén la calma.",
    "Confirmed activity on 26th Street between 9 and 10.",
  ])("no warning for %s", (text) => {
    expect(textWarnings(text)).toEqual([]);
  });
});
