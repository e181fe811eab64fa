import { readFileSync } from "node:fs";
import { expect, inject, it } from "vitest";
import { printTypes, TYPES_FILE } from "../../app/db/codegen.server";
import { TEMPLATE_DB, urlFor } from "../setup/test-database";

it("app/db/types.ts matches the migrated schema (run `npm run db:types` after a migration)", async () => {
  const generated = await printTypes(urlFor(inject("testServerUrl"), TEMPLATE_DB));
  const committed = readFileSync(TYPES_FILE, "utf8");
  const normalise = (s: string) => s.replace(/\r\n/g, "\n").trim();
  expect(normalise(committed)).toBe(normalise(generated));
}, 60_000);
