// Starts the Debian Chromium (/usr/bin/chromium) through playwright-core, for browser tests.
// playwright-core ships no browser: we drive the system package. Every launch gets a fresh,
// temporary profile (user-data-dir) that close() removes again.
//
//   const chromium = await launchChromium();
//   try { const page = await chromium.context.newPage(); ... } finally { await chromium.close(); }
//
// When /usr/bin/chromium is missing, browser tests are skipped with a warning on a developer
// machine and fail (launchChromium throws) when CI is set. Use skipWithoutChromium() for that:
//
//   describe.skipIf(skipWithoutChromium())("...", () => { ... });
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type LaunchOptions } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** The flags the Debian Chromium needs in a container: no sandbox or GPU there, and no background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export const CHROMIUM_MISSING_MESSAGE = `Chromium is not installed at ${CHROMIUM_PATH}; install it with: apt-get install -y chromium`;

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * True when browser tests should be skipped: Chromium is missing and CI is not set (a warning
 * says how to install it). With CI set this is false, so the tests run and launchChromium()
 * fails with the install command.
 */
export function skipWithoutChromium(): boolean {
  if (chromiumInstalled()) return false;
  if (process.env.CI) return false;
  console.warn(`Skipping browser tests. ${CHROMIUM_MISSING_MESSAGE}`);
  return true;
}

export interface LaunchedChromium {
  /** A persistent context on a fresh profile; open pages with context.newPage(). */
  readonly context: BrowserContext;
  /** The temporary profile directory. */
  readonly userDataDir: string;
  /** Closes the browser and removes the profile. Safe to call twice. */
  close(): Promise<void>;
}

export interface LaunchChromiumOptions {
  /** More Chromium flags, after CHROMIUM_ARGS. */
  readonly extraArgs?: readonly string[];
  /** Passed to launchPersistentContext (e.g. serviceWorkers, viewport). */
  readonly contextOptions?: Omit<Parameters<typeof chromium.launchPersistentContext>[1], "executablePath" | "args" | "headless">;
  readonly timeout?: LaunchOptions["timeout"];
}

export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<LaunchedChromium> {
  if (!chromiumInstalled()) throw new Error(CHROMIUM_MISSING_MESSAGE);
  const userDataDir = await mkdtemp(join(tmpdir(), "chromium-profile-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      ...options.contextOptions,
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  let closed = false;
  return {
    context,
    userDataDir,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await context.close();
      } finally {
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}
