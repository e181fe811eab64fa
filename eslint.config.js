import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

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
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["~/db/*", "../db/*"], importNames: ["getDb"], message: "Use withUser/withSystem." }] },
      ],
    },
  },
  {
    files: ["app/routes/**"],
    rules: {
      // The error protocol (db/errors.server.ts) is shared by modules and routes; it opens no connection.
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["~/db/*", "!~/db/errors.server"], message: "Routes call modules; only modules touch the database." }] },
      ],
    },
  },
);
