#!/usr/bin/env node
// `npm run mock`: the Jobs API mock for frontend work. Starts Prism on openapi.yaml, serving the
// spec's named examples, on MOCK_HOST:MOCK_PORT (default 127.0.0.1:4010; MOCK_PORT=0 picks a
// free port). Extra arguments go to `prism mock` (e.g. `npm run mock -- --dynamic`). Prints the
// URL once Prism listens ("Jobs API mock listening on <url>", test/support/mock.ts waits for it)
// and forwards SIGINT/SIGTERM/SIGHUP to Prism, exiting with its status.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const host = process.env.MOCK_HOST || "127.0.0.1";
const portText = process.env.MOCK_PORT ?? "4010";
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) {
  console.error(`MOCK_PORT must be a port number (0-65535, 0 = any free port), not "${portText}"`);
  process.exit(2);
}

const require = createRequire(import.meta.url);
const prismPackage = require.resolve("@stoplight/prism-cli/package.json");
const { bin, version } = JSON.parse(readFileSync(prismPackage, "utf8"));
const prismCli = join(dirname(prismPackage), typeof bin === "string" ? bin : bin.prism);

// Without --json-schema-faker-fillProperties=false, dynamic answers (`Prefer: dynamic=true`,
// `--dynamic`) add random extra properties to every object; the spec's objects never have them.
const args = [
  prismCli,
  "mock",
  join(root, "openapi.yaml"),
  "--host",
  host,
  "--port",
  String(port),
  "--json-schema-faker-fillProperties=false",
  ...process.argv.slice(2),
];
const prism = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });

// eslint-disable-next-line no-control-regex -- the ANSI colour codes Prism prints
const ansi = /\u001b\[[0-9;]*m/g;
let announced = false;
createInterface({ input: prism.stdout }).on("line", (line) => {
  console.log(line);
  const listening = /Prism is listening on (\S+)/.exec(line.replace(ansi, ""));
  if (listening && !announced) {
    announced = true;
    const url = listening[1];
    console.log(
      [
        "",
        `Jobs API mock listening on ${url}  (Prism ${version}, serving openapi.yaml's examples)`,
        "  Send any Authorization header (without one the mock answers 401), and pick the answer with Prefer:",
        "    Prefer: example=completedJob            a named example of the operation's success answer",
        "    Prefer: code=404                        a declared status (its first example)",
        "    Prefer: code=404, example=projectNotFound",
        "    Prefer: dynamic=true                    random data generated from the schemas",
        `  Try: curl -H 'Authorization: test-key' -H 'Prefer: example=completedJob' ${url}/api/v1/3sWXSsqHgSKnE87YkNJK/jobs/3455`,
        "",
      ].join("\n"),
    );
  }
});
prism.stderr.pipe(process.stderr);

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (prism.exitCode === null && prism.signalCode === null) prism.kill(signal);
  });
}
// Under `npm run mock`, a SIGTERM sent to npm reaches only the `sh -c` between npm and this
// script; stop with it instead of leaving Prism running on the port.
if (process.env.npm_lifecycle_event === "mock") {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && prism.exitCode === null && prism.signalCode === null) prism.kill("SIGTERM");
  }, 1000).unref();
}
prism.on("error", (error) => {
  console.error(`Could not start Prism (${prismCli}): ${error.message}`);
  process.exit(1);
});
prism.on("exit", (code, signal) => {
  process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1));
});
