import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

const noGetDb = { group: ["~/db/*", "../db/*"], importNames: ["getDb"], message: "Use withUser/withSystem." };
// The clock has its own room (issue 15): nothing reaches it through shifts any more.
const clockLeftShifts = {
  group: ["format", "zoned", "week", "in-zone"].flatMap((file) => [`**/modules/shifts/${file}`, `../shifts/${file}`]),
  message: "The organisation's clock lives in ~/modules/clock.",
};

export default tseslint.config(
  { ignores: ["build/**", "node_modules/**", ".data/**", "test-results/**", "playwright-report/**", "app/db/types.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,js,mjs}"],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": ["error", { patterns: [noGetDb, clockLeftShifts] }],
    },
  },
  {
    files: ["app/routes/**"],
    rules: {
      // The error protocol (db/errors.server.ts) is shared by modules and routes; it opens no connection.
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["~/db/*", "!~/db/errors.server"], message: "Routes call modules; only modules touch the database." }, clockLeftShifts] },
      ],
    },
  },
  {
    files: ["app/modules/**"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            noGetDb,
            clockLeftShifts,
            { group: ["~/routes/*", "~/components/*", "~/root"], message: "Domain modules never import routes or components." },
          ],
        },
      ],
    },
  },
  {
    files: ["app/modules/clock/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["~/*", "../*"], message: "The clock is used by every module and depends on none." }] },
      ],
    },
  },
  {
    files: ["app/jobs/runner.server.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [noGetDb, { group: ["~/modules/*"], message: "The runner knows no module: modules register their jobs (app/jobs/jobs.server.ts)." }] },
      ],
    },
  },
);
