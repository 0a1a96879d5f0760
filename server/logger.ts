// The process's logger: JSON lines (pino) for log collectors, or pretty lines for a person at a
// terminal (pino-pretty, in-process and synchronous, so nothing is lost at exit). LOG_FORMAT
// chooses; "auto" is pretty exactly when the destination is a terminal.
import { pino, type Logger } from "pino";
import pretty from "pino-pretty";
import type { Config } from "./config.js";

export interface LoggerOptions {
  level: Config["logLevel"];
  format: Config["logFormat"];
  /** Where lines go (standard output by default). */
  destination?: NodeJS.WritableStream & { isTTY?: boolean; fd?: number };
}

export function isPretty(format: Config["logFormat"], destination: { isTTY?: boolean }): boolean {
  return format === "pretty" || (format === "auto" && destination.isTTY === true);
}

/**
 * A logger for a command that prints a banner once it has started (`jobs-api serve`): JSON lines
 * on standard output are written synchronously until startupDone(), then asynchronously (pino's
 * fast path), so the lines of start-up (migrations, the runner's start) are out before the banner
 * on standard error, not mixed into what follows it. Pretty lines are synchronous anyway.
 */
export function createStartupLogger(options: Omit<LoggerOptions, "destination">): { logger: Logger; startupDone: () => void } {
  if (isPretty(options.format, process.stdout)) return { logger: createLogger(options), startupDone: () => undefined };
  // Hand-rolled switch: pino writes to one destination for its lifetime and has no mode change.
  let target = pino.destination({ fd: 1, sync: true });
  const logger = pino({ level: options.level }, { write: (line: string) => target.write(line) });
  return {
    logger,
    startupDone: () => {
      target = pino.destination({ fd: 1, sync: false }); // flushed at exit by pino
    },
  };
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stdout;
  if (!isPretty(options.format, destination)) {
    // Standard output is written asynchronously (sonic-boom): lines logged while a write is under
    // way go out together in the next one, instead of one blocking write per line. pino flushes
    // what is left when the process exits.
    return destination === process.stdout
      ? pino({ level: options.level }, pino.destination({ dest: 1, sync: false }))
      : pino({ level: options.level }, destination);
  }
  return pino(
    { level: options.level },
    pretty({
      destination,
      sync: true,
      colorize: destination.isTTY === true,
      // The time of day is enough at a terminal; pid and hostname are the same on every line.
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname",
      singleLine: true,
    }),
  );
}
