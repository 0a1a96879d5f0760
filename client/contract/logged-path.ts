// A request's path and query as logs and problem bodies may show them: never an end-user id.
// Of a path that is an operation's, the template with the values of the parameters that cannot
// be personal data (canonical integers, members of an enum, parameters the spec marks
// x-loggable that match their pattern) and `[name]` for the others; of any other path, only the
// spec's own words (api, v1, jobs, users), `[…]` for the rest.
//
// Why not a pattern on the raw URL: the userId can hide in any spelling of a path (`/USERS/…`,
// `/users//…`, an unknown query parameter), and a pattern has to foresee them all; the matched
// operation names the userId wherever it was.
import { contract as packageContract, type Contract, type Parameter } from "./operations.js";
import { decodeSegment, patternOf } from "./parameters.js";

const CANONICAL_INTEGER = /^(0|[1-9][0-9]{0,15})$/;

/** Whether a parameter's value may be shown: one that cannot be personal data. */
function loggable(parameter: Parameter, value: string): boolean {
  const { schema } = parameter;
  if (schema.type === "integer") return CANONICAL_INTEGER.test(value);
  if (Array.isArray(schema.enum)) return schema.enum.includes(value);
  if (parameter["x-loggable"] === true && schema.pattern !== undefined) {
    return value.length <= (schema.maxLength ?? 256) && patternOf(schema.pattern).test(value);
  }
  return false;
}

// The shown path of a route, kept with it: the contract keeps a request's route for its next
// questions (operations.ts), and the log line and a problem's instance ask for the same path.
const shownPaths = new WeakMap<object, string>();

const wordsOf = new WeakMap<Contract<string>, Set<string>>();

/** The literal segments of the spec's paths ("api", "v1", "jobs", "users"). */
function specWords(contract: Contract<string>): Set<string> {
  let words = wordsOf.get(contract);
  if (words === undefined) {
    words = new Set(contract.operations.flatMap((operation) => operation.path.split("/").filter((s) => s !== "" && !s.startsWith("{"))));
    wordsOf.set(contract, words);
  }
  return words;
}

/**
 * `target` is the request target as sent (path and query, percent-encoded); the query is left
 * out with `{ query: false }` (a problem's `instance`).
 */
export function shownPath<Id extends string>(
  method: string,
  target: string,
  options: { query?: boolean; contract?: Contract<Id> } = {},
): string {
  const contract = (options.contract ?? packageContract) as unknown as Contract<string>;
  const mark = target.indexOf("?");
  const pathname = mark === -1 ? target : target.slice(0, mark);
  const query = options.query === false || mark === -1 ? "" : target.slice(mark + 1);
  const route = contract.route(method, pathname);
  if (route.kind !== "operation") {
    const words = specWords(contract);
    const shown = pathname.split("/").map((segment) => (segment === "" || words.has(segment) ? segment : "[…]"));
    return shown.join("/") + (query ? "?[…]" : "");
  }
  const { operation } = route;
  let shownPathPart = shownPaths.get(route);
  if (shownPathPart === undefined) {
    shownPathPart = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const parameter = operation.parameters.find((p) => p.in === "path" && p.name === name);
      const raw = route.path[name]!;
      const value = decodeSegment(raw);
      return parameter !== undefined && value !== undefined && loggable(parameter, value) ? raw : `[${name}]`;
    });
    shownPaths.set(route, shownPathPart);
  }
  if (query === "") return shownPathPart;
  const shownQuery = [...new URLSearchParams(query)]
    .map(([name, value]) => {
      const parameter = operation.parameters.find((p) => p.in === "query" && p.name === name);
      if (parameter === undefined) return "[…]";
      return `${name}=${loggable(parameter, value) ? encodeURIComponent(value) : "[…]"}`;
    })
    .join("&");
  return `${shownPathPart}?${shownQuery}`;
}
