// What the jobs-api command tells an operator: which database a command uses, and, when
// something fails, which setting or file is involved and what to do (rather than a bare
// "unable to open database file" or "EADDRINUSE").
import { resolve } from "node:path";
import { DEFAULT_SQLITE_PATH } from "../store/index.js";
import { sslModeOf } from "../store/postgres-url.js";

type Env = Record<string, string | undefined>;

/** "the SQLite file /abs/jobs.db (DATABASE_URL is not set)", "PostgreSQL database jobs on db:5432 as app (DATABASE_URL)". */
export function describeDatabase(databaseUrl: string | undefined): string {
  if (databaseUrl === undefined || databaseUrl === "") return `the SQLite file ${resolve(DEFAULT_SQLITE_PATH)} (DATABASE_URL is not set)`;
  if (databaseUrl.startsWith("sqlite:")) {
    const path = sqlitePathOf(databaseUrl);
    return path === ":memory:"
      ? "an in-memory SQLite database (DATABASE_URL=sqlite::memory:; gone when the process ends)"
      : `the SQLite file ${path} (DATABASE_URL)`;
  }
  const postgres = postgresTarget(databaseUrl);
  if (postgres) return `PostgreSQL database ${postgres.database} on ${postgres.host}:${postgres.port} as ${postgres.user} (DATABASE_URL)`;
  return "the database of DATABASE_URL";
}

function sqlitePathOf(url: string): string {
  let path = url.slice("sqlite:".length);
  if (path.startsWith("//")) path = path.slice(2);
  return path === ":memory:" ? path : resolve(path);
}

/** Host, port, database and user of a PostgreSQL URL; never its password. */
export function postgresTarget(url: string): { host: string; port: string; database: string; user: string } | undefined {
  if (!/^postgres(ql)?:\/\//.test(url)) return undefined;
  try {
    const parsed = new URL(url);
    return {
      host: parsed.hostname || "localhost",
      port: parsed.port || "5432",
      database: decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || "postgres",
      user: decodeURIComponent(parsed.username) || "(the current user)",
    };
  } catch {
    return undefined;
  }
}

/** Why the file given to `sessions import` cannot be read, as an operator reads it. */
export function explainInputFileError(error: unknown, file: string): string {
  const code = withCode(error)?.code;
  const path = resolve(file);
  const where = path === file ? file : `${file} (${path})`;
  const why: Record<string, string> = {
    ENOENT: "there is no such file. Check the path, or give - to read standard input",
    EACCES: "this user may not read it. Fix its permissions, or run the command as a user who may",
    EPERM: "this user may not read it. Fix its permissions, or run the command as a user who may",
    EISDIR: "it is a folder. Give the NDJSON file in it",
    ENOTDIR: "a part of the path is a file, not a folder. Check the path",
  };
  const reason = (code && why[code]) ?? `${error instanceof Error ? error.message : String(error)}`;
  return `cannot read the sessions file ${where}: ${reason}; nothing was imported.`;
}

interface ErrorLike {
  code?: string;
  message?: string;
  port?: number;
  address?: string;
  syscall?: string;
  cause?: unknown;
}

/** The error and the errors of its cause chain (drivers' errors are often wrapped). */
function causes(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    chain.push(current);
    current = (current as ErrorLike).cause;
  }
  return chain;
}

/** The error, or the first error in its cause chain, with a code (drivers' errors are often wrapped). */
function withCode(error: unknown): ErrorLike | undefined {
  return causes(error).find((cause) => typeof cause.code === "string");
}

/**
 * A message for an operator when `error` is one whose cause is a setting or the environment
 * (database file, database server, port); undefined for anything else.
 */
export function explainError(error: unknown, env: Env, ports: { api?: number; metrics?: number } = {}): string | undefined {
  const databaseUrl = env.DATABASE_URL || undefined;
  const sqlite = databaseUrl === undefined || databaseUrl.startsWith("sqlite:");
  const postgres = databaseUrl !== undefined ? postgresTarget(databaseUrl) : undefined;
  // pg's error for a server that answers "no" to SSL carries no code: known by its words.
  if (postgres && causes(error).some((cause) => cause.message === "The server does not support SSL connections")) {
    const mode = sslModeOf(databaseUrl!) ?? "require";
    return (
      `PostgreSQL at ${postgres.host}:${postgres.port} (DATABASE_URL) does not accept SSL connections, and DATABASE_URL asks for SSL ` +
      `(sslmode=${mode}). Turn SSL on in that server, or, for a server on a network you trust, set sslmode=disable in DATABASE_URL.`
    );
  }
  const e = withCode(error);
  if (e === undefined) return undefined;
  const reason = e.message ?? e.code ?? "";

  // Listening.
  if (e.syscall === "listen") {
    const setting = ports.metrics !== undefined && e.port === ports.metrics && e.port !== ports.api ? "METRICS_PORT" : "PORT";
    const where = `port ${e.port} on ${e.address ?? env.HOST ?? "127.0.0.1"}`;
    if (e.code === "EADDRINUSE") {
      return `${where} (${setting}) is already in use by another process: stop that process, or choose another port, e.g. ${setting}=${(e.port ?? 3000) + 1}${setting === "PORT" ? " (PORT=0 picks a free one)" : ""}.`;
    }
    if (e.code === "EACCES")
      return `${where} (${setting}) needs privileges this user lacks (ports below 1024 do): choose a port from 1024, e.g. ${setting}=3000.`;
    if (e.code === "EADDRNOTAVAIL") {
      const host = setting === "METRICS_PORT" ? "METRICS_HOST" : "HOST";
      return `${host}=${e.address ?? env[host]} is not an address of this machine: use 127.0.0.1 (local only) or 0.0.0.0 (every interface).`;
    }
    return undefined;
  }

  // SQLite.
  if (sqlite && e.code?.startsWith("SQLITE_")) {
    const file = sqlitePathOf(databaseUrl ?? `sqlite:${DEFAULT_SQLITE_PATH}`);
    const from = databaseUrl === undefined ? "the default, as DATABASE_URL is not set" : "from DATABASE_URL";
    if (e.code === "SQLITE_CANTOPEN") {
      return `cannot open the SQLite database file ${file} (${from}): ${reason}. Check that its folder exists and this user may write there, or set DATABASE_URL=sqlite:PATH to another file.`;
    }
    if (e.code === "SQLITE_NOTADB" || e.code === "SQLITE_CORRUPT") {
      return `${file} (${from}) is not a usable SQLite database: ${reason}. Point DATABASE_URL at another file, or move this one away.`;
    }
    if (e.code === "SQLITE_READONLY")
      return `the SQLite file ${file} (${from}) is read-only for this user: ${reason}. Fix its permissions or use another file.`;
    return undefined;
  }
  if (sqlite && ["EACCES", "EROFS", "ENOTDIR", "EEXIST", "EPERM"].includes(e.code ?? "") && e.syscall === "mkdir") {
    return `cannot create the folder of the SQLite database file (${databaseUrl === undefined ? "the default ./data/jobs-api.db" : "DATABASE_URL"}): ${reason}. Set DATABASE_URL=sqlite:PATH to a writable place.`;
  }

  // PostgreSQL.
  if (postgres) {
    const at = `PostgreSQL at ${postgres.host}:${postgres.port} (DATABASE_URL)`;
    switch (e.code) {
      case "ECONNREFUSED":
        return `cannot connect to ${at}: connection refused, no server is listening there. Start it, or fix the host and port in DATABASE_URL; for a local development server run "npm run db:postgres", which prints the DATABASE_URL to use.`;
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return `cannot connect to ${at}: the host name ${postgres.host} does not resolve. Fix the host in DATABASE_URL.`;
      case "ETIMEDOUT":
      case "EHOSTUNREACH":
      case "ENETUNREACH":
        return `cannot connect to ${at}: ${reason}. Check the host and port in DATABASE_URL, and that a firewall lets this machine through.`;
      case "28P01":
        return `${at} refused the password of user ${postgres.user}: fix the user or password in DATABASE_URL.`;
      case "28000":
        return `${at} refused user ${postgres.user}: ${reason}. Check that the role exists and pg_hba.conf lets it connect from here.`;
      case "3D000":
        return `${at} has no database ${postgres.database}: create it (CREATE DATABASE ${postgres.database};) or fix its name in DATABASE_URL.`;
      case "42501":
        // The store's migrate() already names the GRANT; keep its words.
        return reason;
    }
  }
  return undefined;
}
