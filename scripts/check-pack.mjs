#!/usr/bin/env node
// npm run check:pack: builds both packages, lists what `npm pack` would put in each tarball
// (`npm pack --dry-run --json`, and `-w server`) and checks them:
//   openreplay-jobs-api (root, the contract and client): the spec, the bundled JSON, the
//     generated types, the built client and every `exports` target are in it, the generated
//     files once (dist/generated/, no root generated/); no server code, nothing native, no
//     install script, and openapi-fetch is its only dependency.
//   openreplay-jobs-api-server (server/): the built server and CLI, the spec and generated files
//     it reads at run time, and every package its compiled code imports is a declared dependency;
//     express-openapi-validator bundled with the project's patch applied (scripts/bundle-validator.mjs).
// In both, every relative import of the built code names a file of the tarball, and no content
// is shipped twice. Neither ships tests, fixtures, benchmarks, CI files, release snapshots,
// scripts or sources.
// With --install (what CI runs), it then installs the client tarball into an empty project and
// loads every `exports` entry (node, and tsc for the types), and installs the server tarball,
// native dependencies built (minutes: better-sqlite3 compiles when no prebuilt binary can be
// fetched), and runs `jobs-api --version` and `jobs-api sandbox` from it: one call with a
// made-up key must list the demo jobs, and the sandbox must delete its database on SIGTERM; and
// the validator the installed server loads must be the patched one (its patched files identical
// to this workspace's node_modules/express-openapi-validator, which patches/'s postinstall patched).
// (test/release/client-package.test.ts installs both tarballs too, the server's without its
// native build.)
// Usage: node scripts/check-pack.mjs [--no-build] [--install]
import { spawn, spawnSync } from "node:child_process";
import { builtinModules, createRequire } from "node:module";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createHash } from "node:crypto";
import { dirname, join, posix } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { ROOT, run, runMain } from "./lib/tools.mjs";
import { writeUserTsconfig } from "./lib/user-project.mjs";
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
      ["dist/generated/openapi.json", "the bundled spec"],
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
      [/^generated\//, "a second copy of generated/: it ships once, as dist/generated/, where the built client imports it"],
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

/** Relative import specifiers of a built .js or .d.ts file (static, dynamic and type imports, re-exports). */
function relativeImports(source) {
  const found = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g)) found.push(match[1]);
  return found;
}

/**
 * Every relative import of a shipped .js or .d.ts file names a shipped file (for a .js
 * specifier, its .d.ts also counts: type imports): what the built code reads, from generated/
 * or elsewhere, is in the tarball.
 */
function unresolvedImports(dir, files) {
  const problems = new Set();
  for (const path of files) {
    if (!/\.(js|d\.ts)$/.test(path)) continue;
    for (const specifier of relativeImports(readFileSync(join(dir, path), "utf8"))) {
      const target = posix.normalize(posix.join(posix.dirname(path), specifier));
      const candidates = [target, target.replace(/\.js$/, ".d.ts"), `${target}.js`, `${target}/index.js`];
      if (!candidates.some((candidate) => files.has(candidate)))
        problems.add(`${path} imports ${specifier}, which the tarball does not hold`);
    }
  }
  return [...problems];
}

/**
 * Files of identical content at two paths: a copy shipped twice (the spec, the types). tsc's
 * output of a type-only module (`export {};`) may repeat.
 */
function duplicateFiles(dir, files) {
  const byHash = new Map();
  for (const path of files) {
    const content = readFileSync(join(dir, path));
    if (content.toString("utf8").trim() === "export {};") continue;
    const hash = createHash("sha256").update(content).digest("hex");
    byHash.set(hash, [...(byHash.get(hash) ?? []), path]);
  }
  return [...byHash.values()].filter((paths) => paths.length > 1).map((paths) => `ships one content twice: ${paths.join(" and ")}`);
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
  // The package's own files: a bundled dependency (node_modules/, bundleDependencies) is laid out by npm.
  const own = new Set([...files].filter((path) => !path.startsWith("node_modules/")));
  problems.push(...unresolvedImports(spec.dir, own), ...duplicateFiles(spec.dir, own));
  spec.checkManifest(pkg, problems, files);

  console.log(
    `${pack.filename} (${spec.label}): ${pack.entryCount} files, ${(pack.size / 1024).toFixed(1)} KiB packed, ` +
      `${(pack.unpackedSize / 1024).toFixed(1)} KiB unpacked`,
  );
  for (const note of notes) console.log(`  note: ${note}`);
  return { problems, required: required.length };
}

/** Packs a package (`npm pack` with `packArgs`) into `work`, beside an empty project `work/app` named `name`. */
function packIntoEmptyProject(work, packArgs, name) {
  run("npm", ["pack", "--ignore-scripts", ...packArgs, "--pack-destination", work], { quiet: true });
  const tarball = join(
    work,
    readdirSync(work).find((f) => f.endsWith(".tgz")),
  );
  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name, private: true }) + "\n");
  return { tarball, app };
}

/**
 * Installs the client tarball (with its optional peers, msw and openapi-msw) into an empty
 * project, then loads every `exports` entry from it as a user would: each runtime target with
 * node (JSON with its import attribute, other files resolved), and every `types` target with tsc
 * (strict, NodeNext, the declarations checked too), so that what the built code imports from
 * dist/generated/ is proven to ship and resolve. Returns problems.
 */
async function installAndImportClient(rootPkg) {
  const work = mkdtempSync(join(tmpdir(), "check-pack-client-"));
  const problems = [];
  try {
    const { tarball, app } = packIntoEmptyProject(work, [], "client-app");
    const peers = Object.keys(rootPkg.peerDependencies ?? {}).map((name) => `${name}@${rootPkg.devDependencies[name]}`);
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball, ...peers], { cwd: app, quiet: true });
    const entries = [...exportEntries(rootPkg.exports)].filter(([subpath]) => subpath !== "./package.json");
    const specifier = (subpath) => (subpath === "." ? rootPkg.name : `${rootPkg.name}/${subpath.slice(2)}`);
    const loads = entries
      .filter(([, conditions]) => conditions.default !== undefined)
      .map(([subpath, conditions]) => {
        const name = JSON.stringify(specifier(subpath));
        if (conditions.default.endsWith(".js")) return `await import(${name});`;
        if (conditions.default.endsWith(".json")) return `await import(${name}, { with: { type: "json" } });`;
        return `if (!existsSync(fileURLToPath(import.meta.resolve(${name})))) throw new Error(${name} + " does not resolve to a file");`;
      });
    const script = ['import { existsSync } from "node:fs";', 'import { fileURLToPath } from "node:url";', ...loads].join("\n");
    const loaded = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: app, encoding: "utf8" });
    if (loaded.status !== 0) problems.push(`loading its exports failed:\n${loaded.stderr}`);
    const typed = entries.filter(([, conditions]) => conditions.types !== undefined);
    writeFileSync(
      join(app, "types.mts"),
      typed.map(([subpath], i) => `import type * as e${i} from "${specifier(subpath)}";`).join("\n") + "\nexport {};\n",
    );
    writeUserTsconfig(app, { files: ["types.mts"] });
    const checked = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", app], {
      cwd: app,
      encoding: "utf8",
    });
    if (checked.status !== 0) problems.push(`tsc on its types failed:\n${checked.stdout}${checked.stderr}`);
    if (problems.length === 0)
      console.log(`installed client package: ${loads.length} exports loaded with node, ${typed.length} type entries checked with tsc`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return problems;
}

/** Each subpath of an `exports` field with its conditions ({ types, default }; a string is default). */
function exportEntries(exportsField) {
  return new Map(Object.entries(exportsField).map(([subpath, value]) => [subpath, typeof value === "string" ? { default: value } : value]));
}

/** Installs the server tarball into an empty project and runs its command; returns problems. */
async function installAndRunServer(version) {
  const work = mkdtempSync(join(tmpdir(), "check-pack-server-"));
  const problems = [];
  try {
    const { tarball, app } = packIntoEmptyProject(work, ["--workspace", "server"], "server-app");
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
    const clientProblems = await installAndImportClient(rootPkg);
    if (clientProblems.length > 0) {
      failed = true;
      console.error(`check:pack: the installed client package FAILED\n  ${clientProblems.join("\n  ")}`);
    } else {
      console.log("check:pack: the installed client package OK (every export loads and type-checks)");
    }
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
