// Test mode's scripted jobs (client/contract/test-mode.ts), lived through the real store and
// runner: the store schedules them (at once where the script says so), and the runner's action,
// for a scripted userId, stays `running` for the script's time (renewing its lease and giving way
// to a cancel, as a deletion does between batches), then fails with the scripted errors or deletes
// as usual. Only the sandbox uses this (startServer's testMode); `jobs-api serve` never does.
import { jobScriptOf, scriptedStartAt, JOB_SCRIPTS } from "../../client/contract/test-mode.js";
import { endScheduledJob } from "../store/fixtures.js";
import type { Store } from "../store/types.js";
import type { Action, ActionTable } from "./actions.js";

/** How often a scripted job checks that it is still running and ours (a cancel lands within this). */
const BEAT_MS = 250;

const beat = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** `action`, except for scripted userIds: their life as the script says. */
function scripted(action: Action): Action {
  // The runner writes a failure as "<title> failed: <reason>": the scripted errors must read so.
  const prefix = `${action.title} failed: `;
  for (const script of JOB_SCRIPTS) {
    if (script.errors !== null && !script.errors.startsWith(prefix)) {
      throw new Error(`The errors of ${script.userId} must start with "${prefix}", as the runner writes them`);
    }
  }
  return {
    title: action.title,
    async run(context) {
      const script = jobScriptOf(context.claim.userId);
      if (script === undefined) return action.run(context);
      const { store, claim, batchSize, leaseMs, now, stopping } = context;
      const started = now();
      let deleted = 0;
      for (let left = script.runMs; left > 0; left = script.runMs - (now() - started)) {
        // A batch renews the lease and tells whether the job is still ours (not cancelled).
        const batch = await store.deleteSessionsBatch(claim, batchSize, now(), leaseMs);
        deleted += batch.deleted;
        if (!batch.stillOwned) return { kind: "lost", deleted };
        if (stopping()) return { kind: "interrupted", deleted };
        await beat(Math.min(BEAT_MS, left));
      }
      if (script.ends === "failed") throw new Error(script.errors!.slice(prefix.length));
      return action.run(context);
    },
  };
}

/** The action table with every action scripted for the test-mode userIds. */
export function testModeActions(actions: Readonly<ActionTable>): ActionTable {
  return Object.fromEntries(Object.entries(actions).map(([name, action]) => [name, scripted(action)])) as ActionTable;
}

/**
 * The store, scheduling scripted jobs as their script says: startAt at once where it starts at
 * once, and a job that has ended when answered ended at once (its answer shows it as created).
 */
export function testModeStore(store: Store): Store {
  const scheduleUserDeletion: Store["scheduleUserDeletion"] = async (projectId, userId, now, startAt) => {
    const script = jobScriptOf(userId);
    if (script === undefined) return store.scheduleUserDeletion(projectId, userId, now, startAt);
    const scheduled = await store.scheduleUserDeletion(projectId, userId, now, scriptedStartAt(script, now, startAt));
    if (script.endedWhenAnswered && scheduled.created) {
      const outcome =
        script.ends === "failed" ? { status: "failed" as const, errors: script.errors! } : { status: "completed" as const, errors: null };
      await endScheduledJob(store, scheduled.job.jobId, outcome, now);
    }
    return scheduled;
  };
  return new Proxy(store, {
    get: (target, property): unknown =>
      property === "scheduleUserDeletion" ? scheduleUserDeletion : Reflect.get(target, property, target),
  });
}
