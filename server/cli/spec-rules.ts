// Rules of the contract that code outside the HTTP layer must apply too, read from the bundled
// spec (generated/openapi.json) rather than copied, so they cannot drift from openapi.yaml.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { specUrl } from "../http/spec.js";

interface StringSchema {
  type: "string";
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

let projectKeyCheck: ((key: string) => string | undefined) | undefined;

/**
 * Why `key` cannot be a projectKey (the spec's ProjectKey path parameter), or undefined when it
 * can. A project whose key breaks the rule could never be reached through the API.
 */
export function projectKeyProblem(key: string): string | undefined {
  if (projectKeyCheck === undefined) {
    const spec = JSON.parse(readFileSync(specUrl(), "utf8")) as { components: { parameters: { ProjectKey: { schema: StringSchema } } } };
    const schema = spec.components.parameters.ProjectKey.schema;
    const validate = new Ajv2020({ strict: false }).compile<string>(schema);
    const rule = [
      schema.minLength !== undefined && schema.maxLength !== undefined
        ? `${schema.minLength} to ${schema.maxLength} characters`
        : undefined,
      schema.pattern !== undefined ? `matching ${schema.pattern}` : undefined,
    ]
      .filter(Boolean)
      .join(", ");
    projectKeyCheck = (value) => (validate(value) ? undefined : `a project key is ${rule} (the projectKey of openapi.yaml)`);
  }
  return projectKeyCheck(key);
}
