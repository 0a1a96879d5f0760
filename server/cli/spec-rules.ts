// Rules of the contract that the command line applies too (a project key given to
// `project create`), from the contract core, so they cannot drift from openapi.yaml.
import { contract } from "../../client/contract/index.js";
import type { Parameter } from "../../client/contract/index.js";
import { parameterValueProblem } from "../../client/contract/index.js";

const projectKey = contract.operations.flatMap((operation) => operation.parameters).find((p): p is Parameter => p.name === "projectKey");

/**
 * Why `key` cannot be a projectKey (the spec's ProjectKey path parameter), or undefined when it
 * can. A project whose key breaks the rule could never be reached through the API.
 */
export function projectKeyProblem(key: string): string | undefined {
  if (projectKey === undefined) throw new Error("The contract has no projectKey parameter");
  if (parameterValueProblem(projectKey, key) === undefined) return undefined;
  const { minLength, maxLength, pattern } = projectKey.schema;
  const rule = [
    minLength !== undefined && maxLength !== undefined ? `${minLength} to ${maxLength} characters` : undefined,
    pattern !== undefined ? `matching ${pattern}` : undefined,
  ]
    .filter(Boolean)
    .join(", ");
  return `a project key is ${rule} (the projectKey of openapi.yaml)`;
}

const userId = contract.operations.flatMap((operation) => operation.parameters).find((p): p is Parameter => p.name === "userId");

/**
 * Why the API would refuse `value` as a userId (deleteUserData's path parameter), in words that
 * follow "userId", or undefined when it accepts it: a session stored under any other userId could
 * never be deleted through the API. The rule is the API's own (parameterValueProblem). The API can
 * never receive a lone surrogate either (a path is percent-encoded UTF-8): callers refuse those.
 */
export function userIdProblem(value: string): string | undefined {
  if (userId === undefined) throw new Error("The contract has no userId parameter");
  const problem = parameterValueProblem(userId, value);
  return problem === undefined ? undefined : `is one the API refuses (${problem}), so its sessions could never be deleted`;
}
