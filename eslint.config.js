import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

const otherApps = (self) =>
  ["edge", "cloud", "kiosk", "firmware-mocks", "floorplans"]
    .filter((app) => app !== self)
    .flatMap((app) => [`@desksharing/${app}`, `@desksharing/${app}/*`, `**/${app}/src/**`]);

const appBoundary = (app) => ({
  files: [`${app}/src/**/*.{ts,tsx}`],
  rules: {
    "@typescript-eslint/no-restricted-imports": [
      "error",
      { patterns: [{ group: otherApps(app), message: "Apps talk over the protocol, never by importing each other." }] },
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "**/.types/**",
      "data/**",
      "cloud/src/db/generated/**",
      "cloud/prisma/.generated/**",
      "**/*.js",
      "!eslint.config.js",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ["vitest.config.ts"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  { files: ["eslint.config.js"], ...tseslint.configs.disableTypeChecked },
  {
    files: ["protocol/src/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "node:*",
                "fs",
                "path",
                "crypto",
                "electron",
                "react",
                "react-*",
                "@prisma/*",
                "konva",
                "@desksharing/*",
              ],
              message: "protocol is pure TypeScript: no Node, DOM, Prisma or React imports.",
            },
          ],
        },
      ],
    },
  },
  appBoundary("edge"),
  {
    files: ["edge/src/domain/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "mqtt",
                "better-sqlite3",
                "aedes",
                "express",
                "socket.io",
                "prom-client",
                "pino",
                "node:*",
                "../adapters/*",
                "../app.js",
                "../gateway.js",
                ...otherApps("edge"),
              ],
              message: "edge/src/domain is pure: no I/O, adapters or other apps.",
            },
          ],
        },
      ],
    },
  },
  appBoundary("cloud"),
  appBoundary("kiosk"),
  {
    files: ["kiosk/src/model/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["react", "react-*", "konva", "konva/*", "socket.io-client", ...otherApps("kiosk")],
              message: "kiosk/src/model is pure TypeScript: no React, Konva, sockets or other apps.",
            },
          ],
        },
      ],
    },
  },
  appBoundary("firmware-mocks"),
  appBoundary("floorplans"),
  prettier,
);
