// Scratch folders for bench data, removed when the part ends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function withTempDir<T>(name: string, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(process.env.BENCH_TMPDIR ?? tmpdir(), `jobs-api-bench-${name}-`));
  try {
    return await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `run` with the resources `open` gives, and always closes them, last opened first. */
export class Resources {
  private closers: Array<() => unknown> = [];
  /** `close` may answer a promise: it is awaited. */
  add<T>(value: T, close: (value: T) => unknown): T {
    this.closers.push(() => close(value));
    return value;
  }
  async closeAll(): Promise<void> {
    for (const close of this.closers.reverse()) {
      try {
        await close();
      } catch {
        /* keep closing the rest */
      }
    }
    this.closers = [];
  }
}
