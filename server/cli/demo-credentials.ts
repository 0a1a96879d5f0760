// Where `serve --demo` keeps the demo organization's key between starts, one file per database:
// beside the SQLite file (data/jobs-api.db -> data/jobs-api.db.demo-credentials.json), or under
// data/demo-credentials/ named after the PostgreSQL server and database. A key is printed only
// after checking that it opens this database's demo organization, so a start never prints
// another database's key, nor one rotated since.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { DEMO_ORGANIZATION, type DemoCredentials } from "./demo.js";
import { DEFAULT_SQLITE_PATH } from "../store/index.js";
import { postgresTarget } from "./messages.js";
import type { Store } from "../store/types.js";

export interface DemoCredentialsFile {
  /** undefined for an in-memory database: nothing outlives the process. */
  path: string | undefined;
  /** Saves freshly created credentials; answers how the key is described when printed. */
  save(credentials: DemoCredentials): string;
  /** The saved credentials, if they still open this database's demo organization. */
  load(store: Store): Promise<{ credentials: DemoCredentials; note: string } | { problem: string }>;
}

export function demoCredentialsPath(databaseUrl: string | undefined): string | undefined {
  const url = databaseUrl ?? `sqlite:${DEFAULT_SQLITE_PATH}`;
  if (url.startsWith("sqlite:")) {
    let path = url.slice("sqlite:".length);
    if (path.startsWith("//")) path = path.slice(2);
    return path === ":memory:" ? undefined : `${resolve(path)}.demo-credentials.json`;
  }
  const target = postgresTarget(url);
  const name = target ? `postgres-${target.host}-${target.port}-${target.database}` : "postgres";
  return resolve("data", "demo-credentials", `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`);
}

export function demoCredentialsFor(databaseUrl: string | undefined): DemoCredentialsFile {
  const path = demoCredentialsPath(databaseUrl);
  const shown = path && (relative(process.cwd(), path).startsWith("..") ? path : relative(process.cwd(), path));
  return {
    path,
    save(credentials) {
      if (path === undefined) return "shown once: the in-memory database ends with this process";
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
      chmodSync(path, 0o600); // writeFileSync's mode applies only to a new file
      return `kept in ${shown}, so later starts print it again`;
    },
    async load(store) {
      const rotate = `run "jobs-api org rotate-key --org ${DEMO_ORGANIZATION}" for a new key`;
      if (path !== undefined && !existsSync(path)) await adoptLegacyFile(path, store);
      if (path === undefined || !existsSync(path)) {
        return {
          problem: `The "${DEMO_ORGANIZATION}" organization exists, but its key was not kept${path ? ` (no ${shown})` : ""}: ${rotate}.`,
        };
      }
      let saved: DemoCredentials;
      try {
        saved = JSON.parse(readFileSync(path, "utf8")) as DemoCredentials;
      } catch {
        return { problem: `${shown} is not readable JSON: ${rotate}.` };
      }
      const organization = typeof saved.apiKey === "string" ? await store.findOrganizationByApiKey(saved.apiKey) : undefined;
      if (organization?.name !== DEMO_ORGANIZATION) {
        return {
          problem: `The key in ${shown} does not open this database's "${DEMO_ORGANIZATION}" organization (rotated since?): ${rotate}.`,
        };
      }
      return { credentials: saved, note: `from ${shown}` };
    },
  };
}

/** Before 1.1, one data/demo-credentials.json served every database: keep its key if it opens this one. */
const LEGACY_FILE = resolve("data", "demo-credentials.json");

async function adoptLegacyFile(path: string, store: Store): Promise<void> {
  if (!existsSync(LEGACY_FILE)) return;
  try {
    const saved = JSON.parse(readFileSync(LEGACY_FILE, "utf8")) as DemoCredentials;
    if (typeof saved.apiKey !== "string" || (await store.findOrganizationByApiKey(saved.apiKey))?.name !== DEMO_ORGANIZATION) return;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(saved, null, 2) + "\n", { mode: 0o600 });
  } catch {
    // unreadable: as if there were none
  }
}
