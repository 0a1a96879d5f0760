// The contract document that code reads at run time (generated/contract.json): openapi.yaml with
// every $ref resolved by Redocly (`redocly bundle --dereferenced`), then reduced to what code
// uses — operations, parameters, responses with their headers, media types, schemas and named
// examples, the security schemes and the named schemas — without the prose (descriptions,
// summaries, code samples) that only people and docs renderers read. client/contract/ builds the
// operation table from it; nothing resolves a $ref at run time.

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
/** JSON Schema keywords whose value is a schema, a list of schemas or a map of them. */
const SUBSCHEMA = new Set([
  "items",
  "not",
  "if",
  "then",
  "else",
  "contains",
  "additionalProperties",
  "unevaluatedItems",
  "unevaluatedProperties",
  "propertyNames",
]);
const SUBSCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const SUBSCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "dependentSchemas"]);
/** Annotations for readers (and example data, which schemas carry apart from named examples). */
const PROSE = new Set(["description", "title", "example", "examples", "externalDocs", "xml", "$comment"]);

function schema(node) {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (PROSE.has(key) || key.startsWith("x-")) continue;
    if (SUBSCHEMA.has(key)) out[key] = schema(value);
    else if (SUBSCHEMA_LISTS.has(key)) out[key] = value.map(schema);
    else if (SUBSCHEMA_MAPS.has(key)) out[key] = mapValues(value, schema);
    else out[key] = value;
  }
  return out;
}

const mapValues = (object, f) => Object.fromEntries(Object.entries(object ?? {}).map(([k, v]) => [k, f(v)]));
const defined = (object) => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));

/** The extensions code reads, such as x-loggable (a parameter value that is not personal data). */
const extensions = (node) => Object.fromEntries(Object.entries(node).filter(([key]) => key.startsWith("x-") && key !== "x-codeSamples"));

function parameter(node) {
  return defined({
    name: node.name,
    in: node.in,
    required: node.required === true,
    schema: schema(node.schema ?? {}),
    example: node.example,
    ...extensions(node),
  });
}

function header(node) {
  return defined({ required: node.required === true, schema: schema(node.schema ?? {}), example: node.example });
}

function response(node) {
  return defined({
    headers: node.headers && mapValues(node.headers, header),
    content:
      node.content &&
      mapValues(node.content, (media) =>
        defined({
          schema: media.schema && schema(media.schema),
          examples: media.examples && mapValues(media.examples, (e) => ({ value: e.value })),
        }),
      ),
    links: node.links && mapValues(node.links, (link) => defined({ operationId: link.operationId, parameters: link.parameters })),
  });
}

function operation(node) {
  return defined({
    operationId: node.operationId,
    security: node.security,
    parameters: node.parameters?.map(parameter),
    requestBody: node.requestBody && {
      required: node.requestBody.required === true,
      content: mapValues(node.requestBody.content, (media) => ({ schema: schema(media.schema ?? {}) })),
    },
    responses: mapValues(node.responses, response),
  });
}

/** The contract document of a dereferenced OpenAPI 3.1 document. */
export function contractDocument(dereferenced) {
  const paths = mapValues(dereferenced.paths, (item) => {
    const out = defined({ parameters: item.parameters?.map(parameter) });
    for (const method of METHODS) if (item[method]) out[method] = operation(item[method]);
    return out;
  });
  return defined({
    openapi: dereferenced.openapi,
    info: { title: dereferenced.info.title, version: dereferenced.info.version },
    security: dereferenced.security,
    paths,
    components: defined({
      schemas: dereferenced.components?.schemas && mapValues(dereferenced.components.schemas, schema),
      securitySchemes:
        dereferenced.components?.securitySchemes &&
        mapValues(dereferenced.components.securitySchemes, ({ description: _, ...rest }) => rest),
    }),
  });
}
