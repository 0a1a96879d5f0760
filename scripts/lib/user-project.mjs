// A consumer's TypeScript project as the package checks (check:pack) and the release tests make
// one: strict, NodeNext, DOM types. The repository's @types/node stand in for the user's own, so
// an example may use `process`.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./tools.mjs";

/** Writes `dir/tsconfig.json` for such a project; `files` or `include` name what it compiles. */
export function writeUserTsconfig(dir, sources) {
  const compilerOptions = {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2022", "DOM"],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules", "@types")],
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, ...sources }, null, 2) + "\n");
}
