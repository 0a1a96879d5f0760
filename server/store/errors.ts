// Errors the store throws on purpose, with messages meant for people (the CLI prints them).
// Anything else the store throws is a bug or an unavailable database.

export type StoreErrorCode =
  /** A unique value is taken: organization name, project key, (project, session id). */
  | "duplicate"
  /** A row refers to something that does not exist (an unknown project id, organization id). */
  | "unknown-reference"
  /** A row breaks another rule of the schema (a missing value, a status outside the enum). */
  | "invalid";

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
