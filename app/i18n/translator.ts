/**
 * The browser's translator: the part of i18next this app uses (nested keys, `{{value}}`
 * interpolation without escaping, `_one`/`_other` plurals by Intl.PluralRules, `returnObjects`),
 * for one language at a time, in 2 KB instead of i18next's 15. It must print exactly what
 * i18next prints on the server, or hydration would not match: translator.test.ts compares the two
 * on every key of every language. The server keeps using i18next (app/entry.server.tsx).
 * Why: docs/decisions/009-performance-budgets.md.
 */

export type Translations = Record<string, unknown>;
type Options = Record<string, unknown> & { count?: unknown; returnObjects?: boolean };
export type TranslateFunction = (key: string | string[], options?: Options) => string;

const plurals = new Map<string, { rules: Intl.PluralRules; ofInteger: Map<number, string> }>();
/** The plural category of a count; a whole number's is kept (Intl's select costs about 0.3 µs a call). */
function pluralCategory(language: string, count: unknown) {
  let known = plurals.get(language);
  if (!known) {
    known = { rules: new Intl.PluralRules(language), ofInteger: new Map() };
    plurals.set(language, known);
  }
  if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > 1000) return known.rules.select(count as number);
  let category = known.ofInteger.get(count as number);
  if (category === undefined) known.ofInteger.set(count as number, (category = known.rules.select(count as number)));
  return category;
}

function find(data: unknown, path: string): unknown {
  let node = data;
  for (const part of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * A key's text in a language's translations, kept per translations object: a page looks up the same
 * few keys once per row (GET /shifts: some 1,500 lookups), and splitting each path cost more than
 * the rest of a lookup. Only texts that exist are kept, so the cache is bounded by the file.
 */
const looked = new WeakMap<object, Map<string, unknown>>();
function lookup(translations: Translations, path: string): unknown {
  let known = looked.get(translations);
  if (!known) looked.set(translations, (known = new Map()));
  let found = known.get(path);
  if (found === undefined) {
    found = find(translations, path);
    if (found !== undefined) known.set(path, found);
  }
  return found;
}

/** A text cut at its `{{…}}`: even places are text, odd places the names between the braces. */
const templates = new Map<string, { parts: string[]; matches: string[] }>();
function template(text: string) {
  let known = templates.get(text);
  if (!known) {
    const parts: string[] = [];
    const matches: string[] = [];
    let last = 0;
    for (const m of text.matchAll(/{{(.+?)}}/g)) {
      parts.push(text.slice(last, m.index), m[1]!.trim().replace(/^-\s*/, ""));
      matches.push(m[0]);
      last = m.index! + m[0].length;
    }
    parts.push(text.slice(last));
    known = { parts, matches };
    // Texts come from the translation files (and keys a page asks for): a bounded set.
    if (templates.size < 5000) templates.set(text, known);
  }
  return known;
}

/** `{{name}}` and `{{- name}}` (the same here: nothing is escaped, React does that). */
function interpolate(text: string, options: Options) {
  if (!text.includes("{{")) return text;
  const { parts, matches } = template(text);
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    const value = find(options, name);
    out +=
      value === undefined ? (Object.prototype.hasOwnProperty.call(options, name) ? "" : matches[(i - 1) / 2]!) : value === null ? "" : String(value);
    out += parts[i + 1]!;
  }
  return out;
}

/** Like i18next's `t` for one language: the key itself when there is no translation. */
export function translate(translations: Translations, language: string, keys: string | string[], options: Options = {}): unknown {
  const key = Array.isArray(keys) ? keys[keys.length - 1]! : String(keys);
  let found: unknown;
  for (const candidate of Array.isArray(keys) ? keys : [keys]) {
    // i18next tries key_zero (count 0), then key_<plural category>, then the key itself.
    const tries = [candidate];
    if (options.count !== undefined && typeof options.count !== "string") {
      tries.push(`${candidate}_${pluralCategory(language, options.count)}`);
      if (options.count === 0) tries.push(`${candidate}_zero`);
    }
    while (tries.length && (found === undefined || found === null)) found = lookup(translations, tries.pop()!);
    if (found !== undefined && found !== null) break;
  }
  if (found !== null && typeof found === "object") {
    if (!options.returnObjects) return `key '${key} (${language})' returned an object instead of string.`;
    const copy: Record<string, unknown> | unknown[] = Array.isArray(found) ? [] : {};
    for (const child of Object.keys(found)) {
      const path = `${key}.${child}`;
      const value = translate(translations, language, path, options);
      (copy as Record<string, unknown>)[child] = value === path ? (found as Record<string, unknown>)[child] : value;
    }
    return copy;
  }
  const text = found === undefined || found === null ? key : typeof found === "string" ? found : String(found);
  return interpolate(text, options);
}

export interface ClientI18n {
  language: string;
  t: TranslateFunction;
  changeLanguage(language: string): Promise<TranslateFunction>;
  /** Called after every language change (React re-renders through it). */
  subscribe(listener: () => void): () => void;
}

/**
 * One translator for the page. `load` fetches another language's translations when the person
 * switches; until they are in, the page keeps its current language.
 */
export function createClientI18n(language: string, translations: Translations, load: (language: string) => Promise<Translations>): ClientI18n {
  const loaded = new Map<string, Translations>([[language, translations]]);
  const listeners = new Set<() => void>();
  const bind = (lng: string): TranslateFunction => {
    const data = loaded.get(lng)!;
    return (key, options) => translate(data, lng, key, options) as string;
  };
  const i18n: ClientI18n = {
    language,
    t: bind(language),
    async changeLanguage(lng) {
      if (lng === i18n.language) return i18n.t;
      if (!loaded.has(lng)) loaded.set(lng, await load(lng));
      i18n.language = lng;
      i18n.t = bind(lng);
      for (const listener of listeners) listener();
      return i18n.t;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return i18n;
}
