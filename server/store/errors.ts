// Errors the store throws on purpose, with messages meant for people (the CLI prints them).
// Anything else the store throws is a bug or an unavailable database.

export type StoreErrorCode =
  /** A unique value is taken: organization name, project key, (project, session id). */
  | "duplicate"
  /** A row refers to something that does not exist (an unknown project id, organization id). */
  | "unknown-reference"
  /** A row breaks another rule of the schema (a missing value, a status outside the enum). */
  | "invalid"
  /** The database is busy (SQLite: another connection held the write lock past busy_timeout): retry later. */
  | "busy";

export class StoreError extends Error {
  override name = "StoreError";
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A .catch() handler: constraint violations become StoreErrors with these messages. */
export function rethrowAs(messages: Partial<Record<StoreErrorCode, string>>) {
  return (error: unknown): never => {
    const violation = constraintViolation(error);
    const message = violation && messages[violation.code];
    if (violation === undefined || message === undefined) throw error;
    throw new StoreError(violation.code, violation.detail ? `${message} (${violation.detail})` : message, {
      cause: error,
    });
  };
}

interface DriverError {
  code?: unknown;
  detail?: unknown;
}

/**
 * Classifies a constraint violation of either driver (better-sqlite3's SQLITE_CONSTRAINT_*,
 * PostgreSQL's SQLSTATE 23xxx); undefined for anything else.
 */
export function constraintViolation(error: unknown): { code: StoreErrorCode; detail: string | undefined } | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, detail } = error as DriverError;
  const pgDetail = typeof detail === "string" ? detail : undefined;
  switch (code) {
    case "SQLITE_CONSTRAINT_UNIQUE":
    case "SQLITE_CONSTRAINT_PRIMARYKEY":
    case "23505":
      return { code: "duplicate", detail: pgDetail };
    case "SQLITE_CONSTRAINT_FOREIGNKEY":
    case "23503":
      return { code: "unknown-reference", detail: pgDetail };
    case "SQLITE_CONSTRAINT_NOTNULL":
    case "SQLITE_CONSTRAINT_CHECK":
    case "23502":
    case "23514":
      return { code: "invalid", detail: pgDetail };
    default:
      return undefined;
  }
}

/**
 * An import met a session id its project already has, in the database or earlier in the same
 * input. `index` says which row of the input could not be inserted (the bulk paths do not keep
 * the rows themselves), so the importer can say which line it came from.
 */
export class DuplicateSessionError extends StoreError {
  override name = "DuplicateSessionError";
  constructor(
    readonly row: { sessionId: string; projectId: number },
    /** True: the database had it before the import; false: it appears twice in the input. */
    readonly alreadyStored: boolean,
    /** The row's place in the input: 0 for the first row of the first chunk, counting every chunk's rows in order. */
    readonly index: number,
  ) {
    super(
      "duplicate",
      alreadyStored
        ? `Nothing was imported: session id ${JSON.stringify(row.sessionId)} is already in project ${row.projectId}.`
        : `Nothing was imported: session id ${JSON.stringify(row.sessionId)} appears twice in the input (project ${row.projectId}).`,
    );
  }
}

/** better-sqlite3's SQLITE_BUSY and SQLITE_LOCKED (and their extended codes) become a StoreError "busy". */
export function busyOrAsIs(error: unknown): unknown {
  const code = typeof error === "object" && error !== null ? (error as DriverError).code : undefined;
  if (typeof code !== "string" || !/^SQLITE_(BUSY|LOCKED)(_|$)/.test(code)) return error;
  return new StoreError("busy", "The database is busy; retry in a moment.", { cause: error });
}

/**
 * Why a driver error is transient (the same call can succeed later), or undefined when it is not:
 * - SQLite: SQLITE_BUSY / SQLITE_LOCKED (and their extended codes): another connection, perhaps
 *   another process, held the lock longer than busy_timeout;
 * - PostgreSQL SQLSTATEs: 40001 serialization failure, 40P01 deadlock, 55P03 lock not available,
 *   class 08 connection exceptions, 53300 too many connections, 57P01-57P03 the server shutting
 *   down, restarting or not yet accepting connections, 57014 a statement cancelled (its
 *   statement_timeout, DATABASE_STATEMENT_TIMEOUT, ran out);
 * - the network: the connection was refused, reset or timed out (Node's error codes), or pg's
 *   own errors for a connection that ended under it or a server that did not answer in time
 *   (DATABASE_CONNECT_TIMEOUT, DATABASE_STATEMENT_TIMEOUT: they carry no code, only a message).
 * Everything else (a constraint violation, a syntax error, a missing table) is permanent.
 */
export function transientFailure(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 3) return undefined;
  const { code, message, cause, errors } = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string") {
    if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return "the database is locked by another connection";
    if (code === "40001") return "a serialization failure";
    if (code === "40P01") return "a deadlock";
    if (code === "55P03") return "a lock was not available";
    if (code === "53300") return "the database has too many connections";
    if (code === "57014") return "a statement took too long and was cancelled";
    if (code.startsWith("08") || /^57P0[123]$/.test(code)) return "the connection to the database was lost";
    if (NETWORK_CODES.has(code)) return "the database could not be reached";
  }
  if (typeof message === "string") {
    if (PG_TIMEOUT_MESSAGES.some((text) => message.includes(text))) return "the database did not answer in time";
    if (PG_CONNECTION_MESSAGES.some((text) => message.includes(text))) return "the connection to the database was lost";
  }
  // A wrapped error (Kysely's, a StoreError's cause) or Node's AggregateError of several addresses.
  const inners: unknown[] = Array.isArray(errors) ? errors : [];
  for (const inner of [cause, ...inners]) {
    const reason = transientFailure(inner, depth + 1);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/** What pg and pg-pool say, without a code, when a connection ends under a query. */
const PG_CONNECTION_MESSAGES = ["Connection terminated", "Client has encountered a connection error and is not queryable"];

/** pg's words for a statement the server did not answer within query_timeout. */
const PG_QUERY_TIMEOUT = "Query read timeout";

/**
 * What pg and pg-pool say, without a code, when the server does not answer in time: a statement
 * (query_timeout), a connection not had within connectionTimeoutMillis (a free one of the pool,
 * or a new one), a connection whose start-up got no answer.
 */
const PG_TIMEOUT_MESSAGES = [
  PG_QUERY_TIMEOUT,
  "timeout exceeded when trying to connect",
  "Connection terminated due to connection timeout",
  "timeout expired",
];

/** pg's client-side statement timeout (query_timeout): the connection is still busy with the statement. */
export function isQueryTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === PG_QUERY_TIMEOUT;
}
