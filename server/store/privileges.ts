// PostgreSQL refuses what a role has no privilege for with SQLSTATE 42501 and a terse message
// ("permission denied for schema public": since PostgreSQL 15, ordinary roles may no longer
// create tables in the public schema). These turn it into the GRANT that fixes it. The roles and
// privileges a deployment needs are in docs/operations.md ("PostgreSQL roles and privileges").

/** SQLSTATE insufficient_privilege. */
export const INSUFFICIENT_PRIVILEGE = "42501";

export class PrivilegeError extends Error {
  override name = "PrivilegeError";
  readonly code = INSUFFICIENT_PRIVILEGE;
}

interface PgError {
  code?: string;
  message?: string;
  cause?: unknown;
}

function insufficientPrivilege(error: unknown): PgError | undefined {
  for (let current = error, depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    if ((current as PgError).code === INSUFFICIENT_PRIVILEGE) return current;
    current = (current as PgError).cause;
  }
  return undefined;
}

/** `"app"`: a role or database name as SQL writes it. */
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * A PrivilegeError naming the GRANT when `error` (or its cause) is SQLSTATE 42501; undefined
 * otherwise. `connectionString` gives the role and database (its password is not used).
 */
export function explainPrivilegeError(error: unknown, what: string, connectionString: string | undefined): PrivilegeError | undefined {
  const denied = insufficientPrivilege(error);
  if (denied === undefined) return undefined;
  let role = "<role>";
  let database = "<database>";
  try {
    const url = new URL(connectionString ?? "");
    role = decodeURIComponent(url.username) || role;
    database = decodeURIComponent(url.pathname.slice(1)) || role;
  } catch {
    // not a URL: keep the placeholders
  }
  const message = denied.message ?? "permission denied";
  const object = /permission denied for (schema|database|table|sequence) "?([^"\s]+)"?/.exec(message);
  const asOwner = "As the database's owner or a superuser, run";
  let fix: string;
  switch (object?.[1]) {
    case "schema":
      fix =
        `The role ${ident(role)} may not create tables in schema ${object[2]} (PostgreSQL 15 and later no longer let every role). ` +
        `${asOwner}:\n  GRANT USAGE, CREATE ON SCHEMA ${ident(object[2]!)} TO ${ident(role)};\n` +
        "or run the migrations (jobs-api migrate) as a role that may, and the server as one that only reads and writes rows.";
      break;
    case "database":
      fix = `The role ${ident(role)} may not connect to database ${ident(database)}. ${asOwner}:\n  GRANT CONNECT ON DATABASE ${ident(database)} TO ${ident(role)};`;
      break;
    case "table":
    case "sequence":
      fix =
        `The role ${ident(role)} may not use ${object[1]} ${object[2]}. ${asOwner} (in database ${ident(database)}):\n` +
        `  GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${ident(role)};\n` +
        `  GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${ident(role)};`;
      break;
    default:
      fix = `The role ${ident(role)} lacks a privilege; docs/operations.md lists the GRANTs a deployment needs.`;
  }
  return new PrivilegeError(`${what}: ${message} (SQLSTATE ${INSUFFICIENT_PRIVILEGE}). ${fix}`, { cause: error });
}
