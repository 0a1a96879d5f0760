// Job and session fixtures for store and runner tests, and the Job shape the API answers.
import { expect } from "vitest";
import type { Job, JobStatus, SessionRow, Store } from "../../server/store/types.js";

/** Exactly the document's Job fields, with integer ids and times (a job as the API answers it). */
export function expectJobShape(job: object): void {
  expect(Object.keys(job).sort()).toEqual([
    "action",
    "createdAt",
    "description",
    "errors",
    "jobId",
    "projectId",
    "referenceId",
    "startAt",
    "status",
    "updatedAt",
  ]);
  for (const field of ["jobId", "projectId", "createdAt", "updatedAt", "startAt"]) {
    expect(Number.isInteger((job as Record<string, unknown>)[field]), field).toBe(true);
  }
}

/** A fixed "now" for tests that inject a clock. */
export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

/** A delete_user_data job as insertJob takes it. */
export function jobData(
  projectId: number,
  status: JobStatus,
  referenceId: string,
  overrides: Partial<Omit<Job, "jobId">> = {},
): Omit<Job, "jobId"> {
  return {
    description: `Delete user sessions of userId = ${referenceId}`,
    status,
    projectId,
    action: "delete_user_data",
    referenceId,
    createdAt: NOW - 60_000,
    updatedAt: NOW - 60_000,
    startAt: NOW - 1000,
    errors: status === "failed" ? "Deleting the user's sessions failed: boom" : null,
    ...overrides,
  };
}

/** `count` sessions of one user, yielded in chunks of `chunk`. */
export async function* sessionsOf(projectId: number, userId: string, count: number, chunk = 1000): AsyncGenerator<SessionRow[]> {
  for (let start = 0; start < count; start += chunk) {
    yield Array.from({ length: Math.min(chunk, count - start) }, (_, i) => ({
      sessionId: `${userId}-${start + i}`,
      projectId,
      userId,
      startedAt: NOW - (start + i) * 1000,
    }));
  }
}

/** Imports `count` sessions of one user. */
export function addSessions(store: Store, projectId: number, userId: string, count: number): Promise<number> {
  return store.importSessions(sessionsOf(projectId, userId, count));
}
