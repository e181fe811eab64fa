/**
 * fast-check arbitraries for hostile form posts, and the helpers that send them to a route's
 * `action` in-process and read back the status the browser would get.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";

export const ROUTES_DIR = path.resolve("app/routes");

/** Every route module that exports an `action`, by file name without extension. */
export function routesWithAction(): string[] {
  return readdirSync(ROUTES_DIR)
    .filter((file) => /\.tsx?$/.test(file))
    .filter((file) => /export\s+(async\s+)?(function|const)\s+action\b/.test(readFileSync(path.join(ROUTES_DIR, file), "utf8")))
    .map((file) => file.replace(/\.tsx?$/, ""))
    .sort();
}

/** The field names a route's `action` reads from its form by name (`form.get("x")`, `getAll`). */
export function fieldsReadIn(route: string): string[] {
  const file = readdirSync(ROUTES_DIR).find((f) => f.replace(/\.tsx?$/, "") === route)!;
  const source = readFileSync(path.join(ROUTES_DIR, file), "utf8");
  const start = source.search(/export\s+(async\s+)?(function|const)\s+action\b/);
  const end = source.indexOf("\n}\n", start);
  const action = source.slice(start, end === -1 ? undefined : end);
  return [...new Set([...action.matchAll(/(?<!headers)\.get(?:All)?\("([^"]+)"\)/g)].map((m) => m[1]!))];
}

const HUGE_UNITS = ["a", "é", "🚓", " ", "\u0000", "%", "&=", "\uD800"];

/** Strings no form of ours expects. */
export const nasty: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "",
      " ",
      "\u0000",
      "a\u0000b",
      "null",
      "undefined",
      "true",
      "false",
      "on",
      "off",
      "-1",
      "0",
      "1.5",
      "1e309",
      "-1e309",
      "NaN",
      "Infinity",
      "99999999999999999999999999",
      "0x10",
      "__proto__",
      "constructor",
      "toString",
      "[object Object]",
      "{}",
      "[]",
      '{"__proto__":{"x":1}}',
      '[{"a":1}]',
      "<script>alert(1)</script>",
      "'; drop table public.reports; --",
      "' or '1'='1",
      "../../../etc/passwd",
      "%00",
      "%ZZ",
      "\uFEFF",
      "\uD800",
      "\uDFFF",
      "\u202E",
      "𝕏𝕐",
      "2026-02-30",
      "0000-00-00",
      "9999-12-31",
      "2026-11-26T25:61",
      "24:00",
      "00000000-0000-0000-0000-000000000000",
      "ffffffff-ffff-ffff-ffff-ffffffffffff",
      "https://evil.example/",
      "//evil.example",
      "/\\evil.example",
      "javascript:alert(1)",
    ),
  },
  { weight: 2, arbitrary: fc.uuid().map(String) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  {
    // Huge: past every field's limit, and sometimes past the body cap.
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...HUGE_UNITS), fc.integer({ min: 1_000, max: 150_000 })).map(([unit, n]) => unit.repeat(n)),
  },
);

/** A field's value: mostly something plausible (to get past the first check), else anything. */
export const value = (plausible?: fc.Arbitrary<string>) =>
  plausible ? fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 2, arbitrary: nasty }) : nasty;

/** A JSON document like `valid`, with one member replaced, removed or added. */
export function mutatedJson(valid: unknown): fc.Arbitrary<string> {
  const base = JSON.stringify(valid);
  const keys = valid && typeof valid === "object" ? Object.keys(valid as object) : [];
  return fc.oneof(
    fc.constant(base),
    fc.tuple(fc.constantFrom(...(keys.length ? keys : ["x"])), fc.jsonValue({ maxDepth: 2 })).map(([key, v]) =>
      JSON.stringify({ ...(valid as object), [key]: v }),
    ),
    fc.constantFrom(...(keys.length ? keys : ["x"])).map((key) => {
      const copy = { ...(valid as Record<string, unknown>) };
      delete copy[key];
      return JSON.stringify(copy);
    }),
    fc.tuple(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 })).map(([key, v]) => JSON.stringify({ ...(valid as object), [key]: v })),
    fc.integer({ min: 0, max: Math.max(0, base.length - 1) }).map((cut) => base.slice(0, cut)),
  );
}

export interface FileField {
  name: string;
  /** Plausible contents (else random bytes). */
  contents?: fc.Arbitrary<Uint8Array | string>;
}

export interface FormShape {
  /** Known field name → plausible values. */
  fields: Record<string, fc.Arbitrary<string> | undefined>;
  files?: FileField[];
}

export type Encoding = "urlencoded" | "multipart" | "json" | "text" | "none" | "broken-multipart" | "empty";

export interface FormCase {
  entries: [string, string][];
  files: [string, { bytes: Uint8Array; type: string; name: string }][];
  encoding: Encoding;
  acceptJson: boolean;
}

const fileArb = (field: FileField) =>
  fc.record({
    bytes: fc.oneof(
      fc.uint8Array({ maxLength: 2048 }),
      ...(field.contents ? [field.contents.map((c) => (typeof c === "string" ? new TextEncoder().encode(c) : c))] : []),
    ),
    type: fc.constantFrom("image/jpeg", "image/png", "video/mp4", "application/octet-stream", "application/geo+json", "text/plain", "", "x/\u00e9"),
    name: fc.oneof(fc.constantFrom("photo.jpg", "zones.geojson", "", "../../x", "é🚓.png"), fc.string({ maxLength: 30 })),
  });

/**
 * A hostile submission of a form of this shape. Half the cases are nearly valid (every field
 * plausible, now and then one wrong) so the action gets past its first check to the database;
 * the others are anything: each known field absent, once or several times (duplicate keys),
 * plausible or not, random extra fields, and an encoding that is sometimes wrong.
 */
export function formCase(shape: FormShape): fc.Arbitrary<FormCase> {
  const known = (mostlyValid: boolean) =>
    Object.entries(shape.fields).map(([name, plausible]) => {
      const one = mostlyValid && plausible ? fc.oneof({ weight: 40, arbitrary: plausible }, { weight: 1, arbitrary: nasty }) : value(plausible);
      return fc
        .oneof(
          { weight: mostlyValid ? (plausible ? 1 : 40) : 4, arbitrary: fc.constant([] as string[]) },
          { weight: 16, arbitrary: one.map((v) => [v]) },
          { weight: mostlyValid ? 0 : 2, arbitrary: fc.array(one, { minLength: 2, maxLength: 4 }) },
        )
        .map((values) => values.map((v) => [name, v] as [string, string]));
    });
  const files = (shape.files ?? []).map((field) =>
    fc
      .oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 3, arbitrary: fc.array(fileArb(field), { minLength: 1, maxLength: 5 }) })
      .map((list) => list.map((f) => [field.name, f] as [string, FormCase["files"][number][1]])),
  );
  const extraName = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom("__proto__", "constructor", "intent", "id", "redirectTo", "a[0].b", "a.b.c", "x[]", "", "\u0000"),
  );
  const entries = (mostlyValid: boolean) =>
    fc
      .tuple(fc.tuple(...known(mostlyValid)), fc.array(fc.tuple(extraName, nasty), { maxLength: mostlyValid ? 1 : 4 }))
      .map(([fields, extras]) => [...fields.flat(), ...extras]);
  return fc.record({
    entries: fc.oneof(entries(true), entries(false)),
    files: files.length ? fc.tuple(...files).map((lists) => lists.flat()) : fc.constant([]),
    encoding: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom<Encoding>("urlencoded", "multipart") },
      { weight: 2, arbitrary: fc.constantFrom<Encoding>("json", "text", "none", "broken-multipart", "empty") },
    ),
    acceptJson: fc.boolean(),
  });
}

/** The POST a browser (or an attacker) would send for `form`. */
export function buildRequest(url: string, form: FormCase, headers: Record<string, string>): Request {
  const all = new Headers(headers);
  if (form.acceptJson) all.set("Accept", "application/json");
  let body: BodyInit | undefined;
  switch (form.encoding) {
    case "urlencoded":
      body = new URLSearchParams(form.entries).toString();
      all.set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8");
      break;
    case "multipart": {
      const data = new FormData();
      for (const [name, v] of form.entries) data.append(name, v);
      for (const [name, f] of form.files) data.append(name, new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
      body = data;
      break;
    }
    case "json":
      body = JSON.stringify(Object.fromEntries(form.entries));
      all.set("Content-Type", "application/json");
      break;
    case "text":
      body = form.entries.map(([k, v]) => `${k}=${v}`).join("\n");
      all.set("Content-Type", "text/plain;charset=UTF-8");
      break;
    case "none":
      body = new URLSearchParams(form.entries).toString();
      break;
    case "broken-multipart":
      body = `--xyz\r\nContent-Disposition: form-data; name="intent"\r\n\r\n${form.entries[0]?.[1] ?? ""}`;
      all.set("Content-Type", "multipart/form-data; boundary=abc");
      break;
    case "empty":
      all.set("Content-Type", "application/x-www-form-urlencoded");
      break;
  }
  return new Request(url, { method: "POST", headers: all, body });
}

interface DataWithInit {
  type: "DataWithResponseInit";
  init?: ResponseInit | null;
}

const isDataWithInit = (value: unknown): value is DataWithInit =>
  Boolean(value && typeof value === "object" && (value as { type?: unknown }).type === "DataWithResponseInit");

/**
 * The status Remix would answer with: a returned or thrown Response or `data()` keeps its status,
 * a plain value is 200. Anything else thrown is what Remix turns into a 500: rethrown here.
 * `body` is the data (or the Response's text) for telling refusals apart.
 */
export async function outcomeOf(run: () => Promise<unknown>): Promise<{ status: number; body: unknown }> {
  const read = async (value: unknown) => {
    if (value instanceof Response) return { status: value.status, body: value.headers.get("Location") ?? (await value.text().catch(() => "")) };
    if (isDataWithInit(value)) return { status: value.init?.status ?? 200, body: (value as { data?: unknown }).data };
    return null;
  };
  try {
    const result = await run();
    return (await read(result)) ?? { status: 200, body: result };
  } catch (thrown) {
    const known = await read(thrown);
    if (known) return known;
    throw thrown;
  }
}
