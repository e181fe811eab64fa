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

const plurals = new Map<string, Intl.PluralRules>();
function pluralCategory(language: string, count: unknown) {
  let rules = plurals.get(language);
  if (!rules) {
    rules = new Intl.PluralRules(language);
    plurals.set(language, rules);
  }
  return rules.select(count as number);
}

function find(data: unknown, path: string): unknown {
  let node = data;
  for (const part of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** `{{name}}` and `{{- name}}` (the same here: nothing is escaped, React does that). */
function interpolate(text: string, options: Options) {
  return text.replace(/{{(.+?)}}/g, (match, inner: string) => {
    const name = inner.trim().replace(/^-\s*/, "");
    const value = find(options, name);
    if (value === undefined) return Object.prototype.hasOwnProperty.call(options, name) ? "" : match;
    return value === null ? "" : String(value);
  });
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
    while (tries.length && (found === undefined || found === null)) found = find(translations, tries.pop()!);
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
