#!/usr/bin/env node
// The server package ships express-openapi-validator with the project's patch applied
// (patches/express-openapi-validator+<version>.patch), as a bundled dependency: its users get the
// validator the tests and the bench ran, whatever their install does with lifecycle scripts.
//
//   stage    (the server's prepack, and check:pack) installs the server's pinned version alone, its dependencies nested inside it (npm
//            does not install the dependencies of a bundled package; its peer, express, is the
//            server's own), applies the patch with patch-package, and puts the result at
//            server/node_modules/express-openapi-validator, where `npm pack -w server` bundles it.
//   unstage  removes it again, so that the workspace's code resolves the root's copy (which the
//            postinstall of the private workspace patches/ patches) as before. Run by the server's postpack and by check:pack.
//
// Usage: node scripts/bundle-validator.mjs stage|unstage
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, run } from "./lib/tools.mjs";

export const VALIDATOR = "express-openapi-validator";
export const STAGED = join(ROOT, "server", "node_modules", VALIDATOR);

export function stageValidator() {
  const version = JSON.parse(readFileSync(join(ROOT, "server", "package.json"), "utf8")).dependencies[VALIDATOR];
  const work = mkdtempSync(join(tmpdir(), "bundle-validator-"));
  try {
    writeFileSync(join(work, "package.json"), JSON.stringify({ name: "bundle", private: true, dependencies: { [VALIDATOR]: version } }));
    run(
      "npm",
      [
        "install",
        "--install-strategy=nested",
        "--legacy-peer-deps",
        "--ignore-scripts",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
      ],
      { cwd: work, quiet: true },
    );
    cpSync(join(ROOT, "patches"), join(work, "patches"), { recursive: true });
    run(process.execPath, [join(ROOT, "node_modules", "patch-package", "index.js"), "--error-on-fail"], { cwd: work, quiet: true });
    rmSync(STAGED, { recursive: true, force: true });
    // Type declarations are not run: @types/multer alone brings 9 MB of @types/node and express.
    cpSync(join(work, "node_modules", VALIDATOR), STAGED, {
      recursive: true,
      filter: (source) => !source.includes("/node_modules/@types"),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`server/node_modules/${VALIDATOR} ${version} staged, patched, for the server package to bundle`);
}

export function unstageValidator() {
  rmSync(STAGED, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const command = process.argv[2];
  if (command === "stage") stageValidator();
  else if (command === "unstage") unstageValidator();
  else {
    console.error("usage: node scripts/bundle-validator.mjs stage|unstage");
    process.exit(2);
  }
}
