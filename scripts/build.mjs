#!/usr/bin/env node
// npm run build: builds the two packages of this tree, each into its own dist/ (git-ignored).
//
//   client  the contract package (root package.json, openreplay-jobs-api): client/ compiled to
//           dist/client/ (tsconfig.build.json), the conformance kit bundled self-contained into
//           dist/client/conformance/ (scripts/bundle-conformance.mjs), and dist/generated/, a
//           verbatim copy of generated/. The compiled client reaches generated/ by the relative
//           paths its sources use (client/index.ts's "../generated/schema.js", client/msw's
//           "../../generated/openapi.json"), which from dist/client/ land in dist/generated/; so
//           whatever client code imports from generated/ ships there, once, and the tarball holds
//           no root generated/ (package.json "exports" points ./types and ./openapi.json there).
//   server  the server package (server/package.json, openreplay-jobs-api-server): server/
//           compiled to server/dist/server/ (server/tsconfig.build.json), plus beside it what the
//           compiled code reads by relative path, so the server tarball needs nothing outside it:
//             server/dist/openapi.yaml            the spec it validates against (app.ts SPEC_PATH,
//                                                 ../openapi.yaml from dist/server/)
//             server/dist/generated/openapi.json  the bundled spec (http/json-list-stream.ts)
//             server/dist/generated/schema.d.ts   the types its .d.ts files import
//           A copy rather than a dependency on the contract package: the server must validate
//           against exactly the spec its code was written for, and the contract package is not
//           installable from the registry inside this workspace.
//
// Usage: node scripts/build.mjs [client] [server]   (no argument: both). Each package's `prepack`
// builds its own, so `npm pack` / `npm pack -w server` always ship fresh code.
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT, run } from "./lib/tools.mjs";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

function buildClient() {
  const dist = join(ROOT, "dist");
  rmSync(dist, { recursive: true, force: true });
  run(process.execPath, [TSC, "-p", join(ROOT, "tsconfig.build.json")]);
  // Verbatim, over tsc's re-emission of imported JSON (re-indented, a quarter larger); .d.ts
  // files tsc does not copy at all.
  cpSync(join(ROOT, "generated"), join(dist, "generated"), { recursive: true });
  run(process.execPath, [join(ROOT, "scripts", "bundle-conformance.mjs"), join(dist, "client", "conformance")]);
  const cli = join(dist, "client", "conformance", "cli.js");
  if (existsSync(cli)) chmodSync(cli, 0o755);
  console.log("dist/ built (the client, the conformance kit, and generated/ as dist/generated/)");
}

function buildServer() {
  const dist = join(ROOT, "server", "dist");
  rmSync(dist, { recursive: true, force: true });
  run(process.execPath, [TSC, "-p", join(ROOT, "server", "tsconfig.build.json")]);
  mkdirSync(join(dist, "generated"), { recursive: true });
  for (const file of ["schema.d.ts", "openapi.json"]) copyFileSync(join(ROOT, "generated", file), join(dist, "generated", file));
  copyFileSync(join(ROOT, "openapi.yaml"), join(dist, "openapi.yaml"));
  const cli = join(dist, "server", "cli", "main.js");
  if (existsSync(cli)) chmodSync(cli, 0o755);
  console.log("server/dist/ built (the server, the CLI, the spec and generated files it reads)");
}

const BUILDS = { client: buildClient, server: buildServer };
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in BUILDS)) {
    console.error(`build: unknown package "${name}" (expected client and/or server)`);
    process.exit(2);
  }
}
for (const name of wanted.length > 0 ? wanted : Object.keys(BUILDS)) BUILDS[name]();
