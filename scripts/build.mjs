#!/usr/bin/env node
// npm run build: compiles server/, client/ and generated/ to dist/ (tsconfig.build.json), then
// copies beside them the files the compiled code refers to by relative path:
//   dist/generated/schema.d.ts   the types dist/client/index.d.ts and dist/server/*.d.ts import
//   dist/openapi.yaml            the spec the server validates against (server/app.ts SPEC_PATH,
//                                ../openapi.yaml from dist/server/)
// and bundles the conformance kit (dist/client/conformance/, self-contained: scripts/bundle-conformance.mjs).
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT, run } from "./lib/tools.mjs";

const dist = join(ROOT, "dist");
rmSync(dist, { recursive: true, force: true });
run(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", join(ROOT, "tsconfig.build.json")]);
mkdirSync(join(dist, "generated"), { recursive: true });
copyFileSync(join(ROOT, "generated", "schema.d.ts"), join(dist, "generated", "schema.d.ts"));
copyFileSync(join(ROOT, "openapi.yaml"), join(dist, "openapi.yaml"));
run(process.execPath, [join(ROOT, "scripts", "bundle-conformance.mjs"), join(dist, "client", "conformance")]);
const cli = join(dist, "server", "cli.js");
if (existsSync(cli)) chmodSync(cli, 0o755);
console.log("dist/ built (server, client, conformance kit, generated types and spec)");
