// Checks on values before the store writes them, so that nothing it stores can break the
// response schema (openapi.yaml) when it is read back.
import { StoreError } from "./errors.js";

/** The spec's EpochMillis bounds: the range of a JavaScript Date. */
export const EPOCH_MILLIS_MAX = 8_640_000_000_000_000;

/** Throws StoreError "invalid" unless every value is an integer of epoch ms within the spec's bounds. */
export function requireEpochMillis(values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isSafeInteger(value) || value < 0 || value > EPOCH_MILLIS_MAX) {
      throw new StoreError("invalid", `${name} must be an integer of epoch milliseconds from 0 to ${EPOCH_MILLIS_MAX}, not ${value}.`);
    }
  }
}
