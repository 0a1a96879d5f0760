// `jobs-api demo` and `npm start`'s first run: a demo organization and project with sessions
// and a job in every status, so the API answers something real at once.
import type { Job, JobStatus, SessionRow, Store } from "../store/types.js";
import { startAtFor, type StartDelay } from "../config.js";
import { DuplicateSessionError } from "../store/errors.js";
import { insertJob } from "../store/fixtures.js";
import { DEMO_SESSIONS_PER_USER } from "./demo-settings.js";

export const DEMO_ORGANIZATION = "Demo";
export const DEMO_PROJECT_KEY = "3sWXSsqHgSKnE87YkNJK"; // the original documentation's project key

export interface DemoCredentials {
  organization: string;
  apiKey: string;
  projectId: number;
  projectKey: string;
}

const DAY = 86_400_000;
/** The demo project's end users, each with sessions. */
export const DEMO_USERS: readonly string[] = [
  "shekar@example.com",
  "mehdi@openreplay.com",
  "ana@example.com",
  "li@example.com",
  "omar@example.com",
];

/** Fills an empty database. Returns undefined when the demo organization already exists. */
export async function seedDemo(
  store: Store,
  options: { now: number; startDelay: StartDelay; sessionsPerUser?: number },
): Promise<DemoCredentials | undefined> {
  if (await store.findOrganizationByName(DEMO_ORGANIZATION)) return undefined;
  const { organization, apiKey } = await store.createOrganization(DEMO_ORGANIZATION);
  const project = await store.createProject(
    organization.organizationId,
    "Demo web app",
    (await store.findProjectByKey(DEMO_PROJECT_KEY)) ? undefined : DEMO_PROJECT_KEY,
  );
  const { now } = options;
  const perUser = options.sessionsPerUser ?? DEMO_SESSIONS_PER_USER;

  await store.importSessions(
    (async function* () {
      for (const userId of DEMO_USERS) yield demoSessions(project.projectId, userId, perUser, now);
    })(),
  );

  const job = (status: JobStatus, userId: string, ageDays: number, errors: string | null = null): Omit<Job, "jobId"> => {
    const createdAt = now - ageDays * DAY;
    const startAt = status === "scheduled" ? startAtFor(options.startDelay, now) : createdAt + 3_600_000;
    return {
      description: `Delete user sessions of userId = ${userId}`,
      status,
      projectId: project.projectId,
      action: "delete_user_data",
      referenceId: userId,
      createdAt,
      updatedAt: status === "scheduled" ? createdAt : startAt + 5_000,
      startAt,
      errors,
    };
  };
  // Finished jobs first (oldest), then the one still pending, so the list reads as a history.
  await insertJob(store, job("completed", "li@example.com", 5));
  await insertJob(store, job("failed", "omar@example.com", 4, "Deleting the sessions failed: the database did not answer in time."));
  await insertJob(store, job("cancelled", "ana@example.com", 3));
  // Left running by no live process: the runner takes it up (its lease is free) and finishes it.
  await insertJob(store, job("running", "mehdi@openreplay.com", 1));
  await insertJob(store, job("scheduled", "shekar@example.com", 0));

  return { organization: DEMO_ORGANIZATION, apiKey, projectId: project.projectId, projectKey: project.projectKey };
}

/** The sessions of one demo user, with the ids the demo always gives them. */
function demoSessions(projectId: number, userId: string, count: number, now: number): SessionRow[] {
  return Array.from({ length: count }, (_, i) => ({
    sessionId: `demo-${userId}-${i}`,
    projectId,
    userId,
    startedAt: now - (i + 1) * 3_600_000,
  }));
}

/** The user whose deletion the printed lines request: sessions to delete, and no pending job. */
export const DEMO_TRY_USER = "ana@example.com";

/**
 * On a later start of the demo: gives DEMO_TRY_USER her sessions back when a deletion removed
 * them, so that the printed lines show a job running again rather than one with nothing to do.
 * The import is all or nothing: if her first session id is still there, nothing is added (she
 * still has sessions). Returns how many sessions it added.
 */
export async function restoreTryUserSessions(
  store: Store,
  options: { projectId: number; now: number; sessionsPerUser?: number },
): Promise<number> {
  const rows = demoSessions(options.projectId, DEMO_TRY_USER, options.sessionsPerUser ?? DEMO_SESSIONS_PER_USER, options.now);
  try {
    return await store.importSessions(
      (async function* () {
        yield rows;
      })(),
    );
  } catch (error) {
    if (error instanceof DuplicateSessionError) return 0;
    throw error;
  }
}

/**
 * What `serve --demo` and `jobs-api demo` print: the key, then curl lines that show a job being
 * created and run (listing, deleting a user's data, and following the new job to its end).
 */
export async function demoInstructions(
  url: string,
  credentials: DemoCredentials,
  options: { store: Store; keyNote: string; startDelay: StartDelay; paceSessionsPerSecond: number },
): Promise<string> {
  const { apiKey, projectKey, projectId } = credentials;
  const project = `${url}/api/v1/${projectKey}`;
  const auth = `-H 'Authorization: ${apiKey}'`;
  // Jobs created from now on have larger ids: listing after the newest shows exactly the new one.
  const newest = (await options.store.listJobs(projectId, {})).at(-1)?.jobId;
  const since = newest === undefined ? `${project}/jobs` : `'${project}/jobs?after=${newest}'`;
  const when =
    options.startDelay.kind === "midnight"
      ? "at the next 00:00 UTC (JOBS_START_DELAY=midnight; set JOBS_START_DELAY=10s and JOBS_PACE=20 to watch one run)"
      : `${formatDelay(options.startDelay.ms)} after it is created (JOBS_START_DELAY)`;
  const runs =
    options.paceSessionsPerSecond > 0
      ? `runs about ${Math.ceil(DEMO_SESSIONS_PER_USER / options.paceSessionsPerSecond)} s (JOBS_PACE=${options.paceSessionsPerSecond} sessions/s)`
      : "runs at full speed (JOBS_PACE=off)";
  return [
    `Demo organization "${credentials.organization}", project ${projectKey}`,
    `API key (${options.keyNote}): ${apiKey}`,
    "",
    `Try it. A job starts ${when} and ${runs}.`,
    "  # the demo project's jobs: seeded one in every status, then the runner finishes the pending ones",
    `  curl -s ${project}/jobs ${auth}`,
    `  # delete the sessions of ${DEMO_TRY_USER}: the answer is a new job, "status":"scheduled"`,
    `  curl -s -X DELETE ${project}/users/${DEMO_TRY_USER} ${auth}`,
    '  # the jobs created since this start: the new one, "running" then "completed"',
    `  curl -s ${since} ${auth}`,
  ].join("\n");
}

function formatDelay(ms: number): string {
  if (ms === 0) return "as soon as the runner looks (JOBS_POLL_INTERVAL)";
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
