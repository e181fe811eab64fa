import { createCookie } from "@remix-run/node";
import { env, isProduction } from "~/utils/env.server";
import type { Declarant } from "./declaration.server";

// The declarant's choices travel from the form's POST to the PDF's GET in a signed cookie that
// lives two minutes and only for that one path: never in the address (history, logs), never
// stored on the server. The POST answers with a redirect so that a browser without JavaScript
// downloads the file and stays on the form.

const MAX_AGE = 120;

function declarantCookie() {
  return createCookie(isProduction() ? "__Secure-testigo_declarant" : "testigo_declarant", {
    httpOnly: true,
    sameSite: "lax",
    secure: isProduction(),
    secrets: [env().SESSION_SECRET],
    maxAge: MAX_AGE,
  });
}

const pathOf = (reportId: string) => `/reports/${reportId}/declaration.pdf`;

export function declarantCookieFor(reportId: string, declarant: Declarant) {
  return declarantCookie().serialize({ reportId, ...declarant }, { path: pathOf(reportId) });
}

export function clearDeclarantCookie(reportId: string) {
  return declarantCookie().serialize("", { path: pathOf(reportId), maxAge: 0 });
}

/** The choices made for this report in the last two minutes, or null. */
export async function readDeclarantCookie(request: Request, reportId: string): Promise<Declarant | null> {
  const value: unknown = await declarantCookie().parse(request.headers.get("Cookie"));
  if (typeof value !== "object" || value === null) return null;
  const { reportId: id, name, place, language } = value as Record<string, unknown>;
  if (id !== reportId || typeof name !== "string" || (place !== null && typeof place !== "string") || (language !== "en" && language !== "es")) return null;
  return { name: name.slice(0, 120), place: place === null ? null : place.slice(0, 120), language };
}
