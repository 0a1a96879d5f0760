// ESLint (flat config): ESLint's recommended rules and typescript-eslint's type-checked recommended
// rules for the TypeScript sources (type information from tsconfig.json); the plain JavaScript
// scripts (.mjs) get the rules that need no types. Formatting is Prettier's (.prettierrc.json).
// Run with `npm run lint` (beside the spec lint and `prettier --check`).
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "server/dist/",
      "out/",
      ".cache/",
      ".venv/",
      ".venv-fuzz/",
      "generated/",
      "bench/results/",
      "releases/",
      "test/clients/",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  {
    rules: {
      // An async function without await is how a Promise-returning interface is met, and an async
      // generator without await how an AsyncIterable is made: not mistakes here.
      "@typescript-eslint/require-await": "off",
      // Express tells error handlers by their four parameters: an unused one is named _next.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Rejecting with an AbortSignal's reason (typed any) is what fetch does; the client does too.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingAny: true }],
    },
  },
  {
    // Tests and benchmarks read JSON answers and parsed documents as `any` on purpose: each test
    // asserts the shape it expects, which is the point of the test.
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  { files: ["**/*.mjs"], extends: [tseslint.configs.disableTypeChecked] },
);
