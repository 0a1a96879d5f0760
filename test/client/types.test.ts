// Runs the TypeScript compiler over test/client/types.test-d.ts so that `npm test` fails when a
// misuse of the client starts compiling (or a correct use stops compiling). The program has no
// @types/node, so the client is also checked to need nothing from Node.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const file = join(root, "test", "client", "types.test-d.ts");
const source = readFileSync(file, "utf8");
const DIRECTIVE = /^\s*\/\/ @ts-expect-error\s*(.*)$/;

/** Each misuse: its description and the 1-based line it is on (the line after the directive). */
const misuses = source
  .split("\n")
  .flatMap((line, index) => {
    const m = DIRECTIVE.exec(line);
    return m ? [{ what: m[1] ?? "", line: index + 2 }] : [];
  });

function compile(text: string, oldProgram?: ts.Program) {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (!config) throw new Error("tsconfig.json could not be read");
  const options: ts.CompilerOptions = { ...config.options, noEmit: true, types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (ts.sys.resolvePath(name) === file ? text : readFile(name));
  const program = ts.createProgram({ rootNames: [file], options, host, ...(oldProgram ? { oldProgram } : {}) });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const format = (d: ts.Diagnostic) => {
    const where = d.file
      ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : "(global)";
    return `${where} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
  };
  return { program, diagnostics, format };
}

describe("client types (test/client/types.test-d.ts)", () => {
  let asWritten: ReturnType<typeof compile>;
  let withoutDirectives: ReturnType<typeof compile>;

  beforeAll(() => {
    asWritten = compile(source);
    withoutDirectives = compile(
      source.replace(/\/\/ @ts-expect-error/g, "// (was @ts-expect-error)"),
      asWritten.program,
    );
  }, 60_000);

  it("lists the misuses it checks", () => {
    expect(misuses.length).toBeGreaterThanOrEqual(15);
  });

  it("compiles as written: correct uses type-check and every @ts-expect-error is used (no @types/node)", () => {
    expect(asWritten.program.getRootFileNames()).toEqual([file]);
    expect(asWritten.diagnostics.map(asWritten.format)).toEqual([]);
  });

  it.each(misuses)("misuse does not compile: $what (line $line)", ({ line }) => {
    const here = withoutDirectives.diagnostics.filter(
      (d) => d.file?.fileName === file && d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 === line,
    );
    expect(here.map(withoutDirectives.format)).not.toEqual([]);
  });

  it("reports no error outside the lines marked as misuses", () => {
    const marked = new Set(misuses.map((m) => m.line));
    const elsewhere = withoutDirectives.diagnostics.filter(
      (d) => !(d.file?.fileName === file && marked.has(d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1)),
    );
    expect(elsewhere.map(withoutDirectives.format)).toEqual([]);
  });
});
