import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resources } from "~/i18n/config";

/**
 * In Supabase mode, Supabase writes the sign-in code email from supabase/templates/magic_link.html
 * (a Go template choosing its language from user_metadata.language). Its words must be the same as
 * the local provider's email (the i18n strings), and config.toml must point at it.
 */
const root = path.resolve(__dirname, "../../..");
const template = readFileSync(path.join(root, "supabase/templates/magic_link.html"), "utf8");

/** The text a branch shows, with the code written as i18next writes it. */
function words(branch: string) {
  return branch
    .replace(/<strong>\{\{ \.Token \}\}<\/strong>/g, "{{code}}")
    .replace(/<!doctype html>/i, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

describe("the Supabase sign-in code template", () => {
  const match = /^\{\{ if eq \.Data\.language "es" \}\}([\s\S]*)\{\{ else \}\}([\s\S]*)\{\{ end \}\}\s*$/.exec(template);

  it("has a Spanish branch and an English fallback, each with the code once", () => {
    expect(match).not.toBeNull();
    for (const branch of [match![1]!, match![2]!]) expect(branch.match(/\{\{ \.Token \}\}/g)).toHaveLength(1);
    expect(match![1]).toContain('<html lang="es">');
    expect(match![2]).toContain('<html lang="en">');
  });

  it("says what the local provider's email says, in each language", () => {
    expect(words(match![1]!)).toBe(resources.es.translation.email.codeBody);
    expect(words(match![2]!)).toBe(resources.en.translation.email.codeBody);
  });

  it("is the Magic Link template in supabase/config.toml", () => {
    const config = readFileSync(path.join(root, "supabase/config.toml"), "utf8");
    const section = /\[auth\.email\.template\.magic_link\]\n([\s\S]*?)(?:\n\[|$)/.exec(config)?.[1] ?? "";
    const contentPath = /content_path = "([^"]+)"/.exec(section)?.[1];
    expect(contentPath).toBe("./supabase/templates/magic_link.html");
    expect(existsSync(path.join(root, contentPath!))).toBe(true);
  });
});
