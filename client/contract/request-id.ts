// The X-Request-Id every answer carries: the caller's own when it has the form the spec's
// X-Request-Id header allows (so a caller's id follows the request into the logs), else a new one.
import { contract } from "./operations.js";

const declared = contract.operations
  .flatMap((operation) => operation.responses)
  .flatMap((response) => response.headers)
  .find((header) => header.name === "X-Request-Id");
if (declared?.schema.pattern === undefined) throw new Error("The contract declares no X-Request-Id header with a pattern");
const form = new RegExp(declared.schema.pattern, "u");

function newRequestId(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // Pages served over plain http (other than localhost) have no randomUUID: a v4 UUID by hand.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of a request: `incoming` (its X-Request-Id header) when well-formed, else a new UUID. */
export function requestIdFor(incoming: string | null | undefined): string {
  return typeof incoming === "string" && form.test(incoming) ? incoming : newRequestId();
}
