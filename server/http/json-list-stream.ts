// Streams a JSON list answer, `{"data":[item,item,...]}`, from chunks of items, so that listing
// every job of a large project keeps memory bounded: one chunk in memory at a time instead of
// every job object, the whole JSON string and its buffer at once (100,000 jobs: about 250 MB
// of peak RSS through res.json and the response validator; see bench/README.md, list-all).
//
// Response validation stays on for these answers: express-openapi-validator validates what goes
// through res.json, which a streamed answer bypasses, so each item is checked here against its
// schema with a validator compiled once at start-up (compileSchemaValidator). The first chunk is
// checked before anything is written, so an invalid item there still gets a proper 500 problem
// answer; an invalid item found later, after the 200 status line went out, ends the answer by
// destroying the connection (throwing, so the error handler logs it): the client sees a
// truncated body and a failed request, never a silently incomplete list.
import { once } from "node:events";
import type { Response } from "express";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { contractValidators } from "../../client/contract/validators.js";

export class InvalidResponseItemError extends Error {
  override name = "InvalidResponseItemError";
}

/** Writes `{"<key>":[...]}` from `chunks`, validating every item when `validate` is given. */
export async function streamJsonList<T>(
  res: Response,
  key: string,
  chunks: AsyncIterable<T[]>,
  validate?: ValidateFunction,
): Promise<void> {
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    let next = await iterator.next();
    // Checked before the status line goes out: an error here still becomes a 500 problem answer.
    if (!next.done && validate) check(next.value, validate);
    res.status(200).setHeader("Content-Type", "application/json; charset=utf-8");
    let text = `{${JSON.stringify(key)}:[`;
    let first = true;
    while (!next.done) {
      for (const item of next.value) {
        text += first ? JSON.stringify(item) : `,${JSON.stringify(item)}`;
        first = false;
      }
      if (!res.write(text)) await drained(res);
      text = "";
      if (res.destroyed) return; // the client went away: stop reading the database
      next = await iterator.next();
      if (!next.done && validate) check(next.value, validate);
    }
    res.end(`${text}]}`);
  } finally {
    await iterator.return?.();
  }
}

function check<T>(items: T[], validate: ValidateFunction): void {
  for (const item of items) {
    if (!validate(item)) {
      const [error] = validate.errors ?? [];
      throw new InvalidResponseItemError(
        `A list item does not match its schema: ${error ? `${error.instancePath || "/"} ${error.message ?? ""}` : "invalid"}`,
      );
    }
  }
}

function drained(res: Response): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  const controller = new AbortController();
  // Whichever comes first: room in the buffer again, or the connection closing.
  return Promise.race([once(res, "drain", controller), once(res, "close", controller)]).then(
    () => controller.abort(),
    () => undefined,
  );
}

/** The validator of one schema of the contract (components/schemas/<name>), compiled once. */
export const compileSchemaValidator = (name: string): ValidateFunction => contractValidators().schema(name);
