#!/usr/bin/env node
// npm run check:pack: builds both packages, lists what `npm pack` would put in each tarball
// (`npm pack --dry-run --json`, and `-w server`) and checks them:
//   openreplay-jobs-api (root, the contract and client): the spec, the bundled JSON, the
//     generated types, the built client and every `exports` target are in it; no server code,
//     no CLI, nothing native, no install script, and openapi-fetch is its only dependency.
//   openreplay-jobs-api-server (server/): the built server and CLI, the spec and generated files
//     it reads at run time, and every package its compiled code imports is a declared dependency;
//     express-openapi-validator bundled with the project's patch applied (scripts/bundle-validator.mjs).
// Neither ships tests, fixtures, benchmarks, CI files, release snapshots, scripts or sources.
// With --install (what CI runs), it then installs the server tarball into an empty project,
// native dependencies built (minutes: better-sqlite3 compiles when no prebuilt binary can be
// fetched), and runs `jobs-api --version` and `jobs-api sandbox` from it: one call with a
// made-up key must list the demo jobs, and the sandbox must delete its database on SIGTERM; and
// the validator the installed server loads must be the patched one (its patched files identical
// to this workspace's node_modules/express-openapi-validator, which patches/'s postinstall patched).
// (test/release/client-package.test.ts installs both tarballs too, the server's without its
// native build.)
// Usage: node scripts/check-pack.mjs [--no-build] [--install]
import { spawn } from "node:child_process";
import { builtinModules, createRequire } from "node:module";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { ROOT, run, runMain } from "./lib/tools.mjs";
import { VALIDATOR, stageValidator, unstageValidator } from "./bundle-validator.mjs";

/** Path segments and names that neither tarball may hold. */
const FORBIDDEN = [
  [/^(test|tests)\//, "tests"],
  [/(^|\/)(fixtures?|__fixtures__)\//, "fixtures"],
  [/\.(test|spec)\.[cm]?[jt]sx?$/, "test files"],
  [/^bench\//, "benchmarks"],
  [/^\.ci\//, "CI files"],
  [/^releases\//, "release snapshots"],
  [/^scripts\//, "scripts"],
  [/^(out|\.cache|\.venv|node_modules|data|coverage)\//, "local build and tool output"],
  [/\.(db|sqlite|tgz)$/, "databases and tarballs"],
  [/(^|\/)tsconfig[^/]*\.json$/, "build configuration"],
  [/(?<!\.d)\.ts$/, "TypeScript sources (the built .js and .d.ts ship)"],
];

/** Lifecycle scripts npm runs when a package is installed. */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall"];

const PACKAGES = [
  {
    label: "contract and client package",
    dir: ROOT,
    packArgs: [],
    required: [
      ["openapi.yaml", "the spec"],
      ["generated/openapi.json", "the bundled spec"],
      ["dist/client/index.js", "the built client"],
      ["dist/client/index.d.ts", "the built client's types"],
      ["dist/generated/schema.d.ts", "the generated types (and enum values, schema.js)"],
      ["dist/generated/contract.json", "the contract document the client's contract core reads"],
      ["CHANGELOG.md", "the changelog"],
      ["package.json", "the manifest"],
    ],
    forbidden: [
      [/^(dist\/)?server\//, "server code (it is the openreplay-jobs-api-server package)"],
      [/^mock\//, "the Prism mock launcher (it needs Prism, a development tool)"],
      [/\.node$|(^|\/)binding\.gyp$/, "native code"],
    ],
    checkManifest(pkg, problems) {
      const dependencies = Object.keys(pkg.dependencies ?? {});
      if (dependencies.join() !== "openapi-fetch") {
        problems.push(`its runtime dependencies must be exactly openapi-fetch, not [${dependencies.join(", ")}]`);
      }
      // Its one command is the conformance kit (bundled, no dependency); jobs-api is the server package's.
      const bins = Object.keys(typeof pkg.bin === "string" ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {}));
      if (bins.join() !== pkg.name) problems.push(`its only bin must be ${pkg.name} (the conformance kit), not [${bins.join(", ")}]`);
      for (const peer of Object.keys(pkg.peerDependencies ?? {})) {
        if (pkg.peerDependenciesMeta?.[peer]?.optional !== true) problems.push(`peer dependency ${peer} must be optional`);
      }
    },
  },
  {
    label: "server package",
    dir: join(ROOT, "server"),
    packArgs: ["--workspace", "server"],
    required: [
      ["dist/server/index.js", "the built server factory"],
      ["dist/server/index.d.ts", "the built server's types"],
      ["dist/server/cli/main.js", "the jobs-api command"],
      ["dist/openapi.yaml", "the spec the server validates against"],
      ["dist/generated/contract.json", "the contract document the server's contract core reads"],
      ["dist/generated/schema.d.ts", "the types the built .d.ts files import"],
      ["package.json", "the manifest"],
    ],
    forbidden: [[/^(client|generated|mock)\//, "files of the contract package"]],
    checkManifest(pkg, problems, files) {
      // Every package the compiled server imports must be a declared dependency: the tarball is
      // installed alone, without this workspace's hoisted node_modules.
      const declared = new Set(Object.keys(pkg.dependencies ?? {}));
      const builtins = new Set(builtinModules);
      for (const path of files) {
        if (!path.endsWith(".js") || path.startsWith("node_modules/")) continue; // the bundled validator: checked below
        const source = readFileSync(join(ROOT, "server", path), "utf8");
        for (const match of source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire(?:\.resolve)?\(\s*)["']([^"'.][^"']*)["']/g)) {
          const specifier = match[1];
          if (specifier.startsWith("node:") || builtins.has(specifier)) continue;
          const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
          if (!declared.has(name)) problems.push(`${path} imports ${name}, which is not in its dependencies`);
        }
      }
      // The patched validator, bundled, with the dependencies it needs (npm installs none for it).
      if ((pkg.bundleDependencies ?? []).join() !== VALIDATOR) problems.push(`bundleDependencies must be exactly [${VALIDATOR}]`);
      for (const patched of patchedFiles()) {
        if (!files.has(`node_modules/${VALIDATOR}/${patched}`)) problems.push(`the bundled ${VALIDATOR} lacks ${patched}`);
      }
      if (![...files].some((path) => path.startsWith(`node_modules/${VALIDATOR}/node_modules/ajv/`))) {
        problems.push(`the bundled ${VALIDATOR} lacks its own dependencies (node_modules/${VALIDATOR}/node_modules/ajv)`);
      }
    },
  },
];

/** The validator's files that the project's patch changes, from the patch itself. */
function patchedFiles() {
  const patch = readdirSync(join(ROOT, "patches")).find((name) => name.startsWith(`${VALIDATOR}+`));
  const text = readFileSync(join(ROOT, "patches", patch), "utf8");
  return [...text.matchAll(new RegExp(`^diff --git a/node_modules/${VALIDATOR}/(\\S+) `, "gm"))].map((match) => match[1]);
}

/** Problems if the validator the installed server resolves is not the patched one. */
function checkInstalledValidator(app) {
  const server = join(app, "node_modules", "openreplay-jobs-api-server");
  const resolved = createRequire(join(server, "package.json")).resolve(`${VALIDATOR}/package.json`);
  const installed = dirname(resolved);
  const problems = [];
  if (installed !== join(server, "node_modules", VALIDATOR))
    problems.push(`the installed server resolves ${VALIDATOR} at ${installed}, not its bundled copy`);
  for (const file of patchedFiles()) {
    const mine = readFileSync(join(ROOT, "node_modules", VALIDATOR, file), "utf8");
    if (readFileSync(join(installed, file), "utf8") !== mine) problems.push(`the installed ${VALIDATOR}'s ${file} is not the patched one`);
  }
  if (problems.length === 0)
    console.log(`the installed server loads ${VALIDATOR} with the project's patch (${patchedFiles().length} files)`);
  return problems;
}

function exportTargets(exportsField) {
  const targets = new Map();
  const walk = (value, key) => {
    if (typeof value === "string") targets.set(value.replace(/^\.\//, ""), key);
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, k.startsWith(".") ? k : key);
  };
  walk(exportsField, ".");
  return targets;
}

function checkPackage(spec, rootPkg) {
  // --ignore-scripts: the build already ran, and its output would corrupt the JSON.
  const json = run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", ...spec.packArgs], { quiet: true });
  const [pack] = JSON.parse(json);
  const files = new Set(pack.files.map((f) => f.path));
  const pkg = JSON.parse(readFileSync(join(spec.dir, "package.json"), "utf8"));
  const problems = [];
  const notes = [];

  const required = [...spec.required];
  for (const bin of Object.values(typeof pkg.bin === "string" ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {}))) {
    required.push([bin.replace(/^\.\//, ""), "the CLI (bin)"]);
  }
  for (const [target, subpath] of exportTargets(pkg.exports)) {
    required.push([target, `the target of exports ${subpath}`]);
  }
  for (const optional of ["README.md", "SECURITY.md", "LICENSE"]) {
    if (existsSync(join(spec.dir, optional))) required.push([optional, "a document of the package"]);
  }
  for (const [path, what] of required) {
    if (!files.has(path)) problems.push(`missing ${path} (${what})`);
  }
  const bundled = (pkg.bundleDependencies ?? []).map((name) => `node_modules/${name}/`);
  for (const path of files) {
    if (bundled.some((prefix) => path.startsWith(prefix))) continue; // checked by checkManifest
    for (const [pattern, what] of [...FORBIDDEN, ...spec.forbidden]) {
      if (pattern.test(path)) problems.push(`must not ship ${path} (${what})`);
    }
  }
  for (const script of INSTALL_SCRIPTS) {
    if (pkg.scripts?.[script] !== undefined) problems.push(`must not declare a "${script}" script (it would run on every install)`);
  }
  if (pkg.version !== rootPkg.version) problems.push(`version ${pkg.version} is not the contract's ${rootPkg.version}`);
  spec.checkManifest(pkg, problems, files);

  console.log(
    `${pack.filename} (${spec.label}): ${pack.entryCount} files, ${(pack.size / 1024).toFixed(1)} KiB packed, ` +
      `${(pack.unpackedSize / 1024).toFixed(1)} KiB unpacked`,
  );
  for (const note of notes) console.log(`  note: ${note}`);
  return { problems, required: required.length };
}

/** Installs the server tarball into an empty project and runs its command; returns problems. */
async function installAndRunServer(version) {
  const work = mkdtempSync(join(tmpdir(), "check-pack-server-"));
  const problems = [];
  try {
    run("npm", ["pack", "--ignore-scripts", "--workspace", "server", "--pack-destination", work], { quiet: true });
    const tarball = join(
      work,
      readdirSync(work).find((f) => f.endsWith(".tgz")),
    );
    const app = join(work, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "server-app", private: true }) + "\n");
    const started = performance.now();
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: app, quiet: true });
    console.log(`server tarball installed with its dependencies in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    problems.push(...checkInstalledValidator(app));
    const bin = join(app, "node_modules", ".bin", "jobs-api");
    const printed = run(bin, ["--version"], { cwd: app, quiet: true }).trim();
    if (printed !== version) problems.push(`jobs-api --version printed "${printed}", not ${version}`);
    problems.push(...(await tryTheSandbox(bin, app)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return problems;
}

/** Starts `jobs-api sandbox`, lists the demo jobs with a made-up key, stops it; returns problems. */
async function tryTheSandbox(bin, cwd) {
  const child = spawn(bin, ["sandbox"], { cwd, env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn" } });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  let output = "";
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`jobs-api sandbox did not start in 120 s:\n${output}`)), 120_000);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        output += line + "\n";
        if (/Ctrl-C stops the sandbox/.test(line)) {
          clearTimeout(timer);
          resolve(output);
        }
      });
    }
    exited.then(() => reject(new Error(`jobs-api sandbox exited before it was ready:\n${output}`)));
  });
  const problems = [];
  try {
    const printed = await ready;
    const url = /listening on (http:\/\/\S+)/.exec(printed)[1];
    const projectKey = /Project key\s+(\S+)/.exec(printed)[1];
    const database = /Database\s+(\S+)/.exec(printed)[1];
    const answer = await fetch(`${url}/api/v1/${projectKey}/jobs`, { headers: { Authorization: "any-made-up-key" } });
    const jobs = answer.ok ? (await answer.json()).data : [];
    if (jobs.length === 0) problems.push(`the installed sandbox answered ${answer.status} with ${jobs.length} jobs`);
    else console.log(`installed jobs-api sandbox answered ${jobs.length} demo jobs to a made-up key`);
    child.kill("SIGTERM");
    const code = await exited;
    if (code !== 0) problems.push(`jobs-api sandbox exited with ${code} on SIGTERM`);
    if (existsSync(dirname(database))) problems.push(`jobs-api sandbox left its database folder ${dirname(database)}`);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  return problems;
}

async function main() {
  const { values: args } = parseArgs({ options: { "no-build": { type: "boolean" }, install: { type: "boolean" } } });
  if (!args["no-build"]) run("npm", ["run", "--silent", "build"]);
  const rootPkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  // The server's prepack stages the bundled validator; packs here run without scripts.
  stageValidator();
  try {
    return await checkPackages(args, rootPkg);
  } finally {
    unstageValidator();
  }
}

async function checkPackages(args, rootPkg) {
  let failed = false;
  for (const spec of PACKAGES) {
    const { problems, required } = checkPackage(spec, rootPkg);
    if (problems.length > 0) {
      failed = true;
      console.error(`check:pack: ${spec.label} FAILED\n  ${problems.join("\n  ")}`);
    } else {
      console.log(`check:pack: ${spec.label} OK (${required} required files present, nothing forbidden)`);
    }
  }
  if (args.install) {
    const problems = await installAndRunServer(rootPkg.version);
    if (problems.length > 0) {
      failed = true;
      console.error(`check:pack: the installed server package FAILED\n  ${problems.join("\n  ")}`);
    } else {
      console.log("check:pack: the installed server package OK (jobs-api --version, jobs-api sandbox)");
    }
  }
  return failed ? 1 : 0;
}

await runMain("check:pack", main);
