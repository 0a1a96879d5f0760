// Runs the project's Spectral CLI (node_modules/.bin/spectral) with the OWASP ruleset of
// .spectral.yaml, for the lint tests, as `npm run lint` does: every finding fails, whatever its
// severity. The ruleset's overrides name files as **/openapi.yaml, so a copy to lint must be
// called openapi.yaml; it must also sit inside the checkout (out/ is git-ignored), where the
// ruleset's `extends` finds @stoplight/spectral-owasp-ruleset in node_modules.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ROOT } from "./redocly.js";

export const SPECTRAL = fileURLToPath(new URL("../../node_modules/.bin/spectral", import.meta.url));
export const SPECTRAL_ARGS = ["--ruleset", ".spectral.yaml", "--fail-severity=hint"] as const;

export interface SpectralFinding {
  code: string;
  path: string[];
  message: string;
  /** The linted file, absolute. */
  source: string;
}

/** `spectral lint FILES -f json` with the project's ruleset: its exit code and findings. */
export function spectralLint(files: readonly string[]): Promise<{ code: number; findings: SpectralFinding[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      SPECTRAL,
      ["lint", ...files, ...SPECTRAL_ARGS, "--format", "json", "--quiet"],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          reject(new Error(`spectral could not be run: ${error.message}`, { cause: error }));
          return;
        }
        let findings: SpectralFinding[];
        try {
          findings = stdout.trim() === "" ? [] : (JSON.parse(stdout) as SpectralFinding[]);
        } catch {
          reject(new Error(`spectral printed no JSON report (exit ${String(error?.code ?? 0)}):\n${stdout}\n${stderr}`));
          return;
        }
        resolve({ code: typeof error?.code === "number" ? error.code : 0, findings, stderr });
      },
    );
  });
}
