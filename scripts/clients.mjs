#!/usr/bin/env node
// Generates API clients for other languages from the bundled spec (generated/openapi.json):
//   python  openapi-generator `python` (pinned jar from Maven Central) -> <out>/python,
//           package openreplay_jobs_api (JobsApi.list_jobs, UsersApi.delete_user_data, ...)
//   go      oapi-codegen (pinned, via the Go module proxy), client + types, package jobsapi,
//           its own Go module in <out>/go
//   go-server  oapi-codegen with its defaults (no configuration file), types + std-http-server +
//           strict-server, package jobsapiserver in <out>/go-server: not shipped, it proves that a
//           server generated from the spec keeps every required field (test/clients/go-server)
// Usage: node scripts/clients.mjs [--lang python,go,go-server] [--out DIR] [--spec FILE] [--go-module PATH]
// Idempotent: each language's directory is regenerated from scratch; the jar and the Go modules
// are downloaded only the first time.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ensureGeneratorJar, ROOT, run, runMain, specVersion, VERSIONS, languagesFrom } from "./lib/tools.mjs";

export const PYTHON_PACKAGE = "openreplay_jobs_api";
export const PYTHON_PROJECT = "openreplay-jobs-api";
export const GO_MODULE = "openreplay.example.com/jobsapi";
export const GO_SERVER_MODULE = "openreplay.example.com/jobsapiserver";
const LANGS = ["python", "go", "go-server"];

function generatePython(spec, dir, version) {
  const jar = ensureGeneratorJar();
  rmSync(dir, { recursive: true, force: true });
  run(
    "java",
    [
      "-jar",
      jar,
      "generate",
      "--input-spec",
      spec,
      "--generator-name",
      "python",
      "--output",
      dir,
      "--package-name",
      PYTHON_PACKAGE,
      "--additional-properties",
      `projectName=${PYTHON_PROJECT},packageVersion=${version}`,
      // The generated test stubs assert nothing; the smoke test in test/clients/python does.
      "--global-property",
      "apiTests=false,modelTests=false",
    ],
    { quiet: true },
  );
  if (!existsSync(join(dir, PYTHON_PACKAGE, "api", "jobs_api.py"))) {
    throw new Error(`openapi-generator wrote no ${PYTHON_PACKAGE}/api/jobs_api.py in ${dir}`);
  }
}

function generateGo(spec, dir, goModule, generatorOptions) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run(
    "go",
    [
      "run",
      `github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@${VERSIONS.oapiCodegen}`,
      ...generatorOptions,
      "-o",
      join(dir, "jobsapi.gen.go"),
      spec,
    ],
    { quiet: true },
  );
  writeFileSync(
    join(dir, "go.mod"),
    `module ${goModule}\n\ngo 1.26.0\n\nrequire github.com/oapi-codegen/runtime ${VERSIONS.oapiRuntime}\n`,
  );
  // Fills go.sum (and the runtime's own dependencies) and proves the client compiles.
  run("go", ["mod", "tidy"], { cwd: dir, quiet: true });
  run("go", ["vet", "./..."], { cwd: dir, quiet: true });
}

function main() {
  const { values: args } = parseArgs({
    options: { lang: { type: "string" }, out: { type: "string" }, spec: { type: "string" }, "go-module": { type: "string" } },
  });
  const langs = languagesFrom(args.lang, LANGS);
  const out = resolve(ROOT, args.out ?? join("out", "clients"));
  const spec = resolve(ROOT, args.spec ?? join("generated", "openapi.json"));
  if (!existsSync(spec)) throw new Error(`${spec} does not exist: run npm run generate first`);
  JSON.parse(readFileSync(spec, "utf8"));
  const version = specVersion(spec);
  const shown = (p) => (isAbsolute(p) && !relative(ROOT, p).startsWith("..") ? relative(ROOT, p) : p);

  for (const lang of langs) {
    const start = performance.now();
    const dir = join(out, lang);
    if (lang === "python") generatePython(spec, dir, version);
    if (lang === "go")
      generateGo(spec, dir, args["go-module"] ?? GO_MODULE, ["-config", join(ROOT, "scripts", "clients", "oapi-codegen.yaml")]);
    // oapi-codegen's defaults on purpose: what anyone generating a server from the spec gets.
    if (lang === "go-server")
      generateGo(spec, dir, GO_SERVER_MODULE, ["-generate", "types,std-http-server,strict-server", "-package", "jobsapiserver"]);
    const took = ((performance.now() - start) / 1000).toFixed(1);
    console.log(`${lang}: ${shown(dir)} generated from ${shown(spec)} (API ${version}) in ${took} s`);
  }
}

await runMain("clients", main);
