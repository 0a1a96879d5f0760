// A pino logger that keeps what it logs, so tests can read the records (and search the raw text).
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";

export interface RecordingLogger {
  logger: Logger;
  /** Every record, parsed, in order. */
  records: Array<Record<string, any>>;
  /** Everything written, as pino wrote it (JSON lines). */
  text(): string;
}

export function recordingLogger(level: pino.LevelWithSilent = "debug"): RecordingLogger {
  const records: RecordingLogger["records"] = [];
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      for (const line of String(chunk).split("\n")) if (line) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, stream), records, text: () => text };
}
