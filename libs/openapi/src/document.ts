import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { PUBLIC_ROUTES, type RouteOwner, type RouteSpec } from './routes.ts';
import { requestSchemas, responseSchemas, sharedSchemas } from './schemas.ts';

/** A JSON object of the document; its structure is checked by `checkOpenApiDocument`. */
export type JsonObject = { [key: string]: unknown };

export interface OpenApiDocument extends JsonObject {
  openapi: string;
  info: JsonObject;
  paths: Record<string, Record<string, JsonObject>>;
  components: JsonObject & { schemas: Record<string, JsonObject> };
}

export const OPENAPI_VERSION = '3.1.0';
const SCHEMA_PREFIX = '#/components/schemas/';
const JSON_MEDIA = 'application/json';

const TAGS: Record<RouteOwner, string> = {
  channels: 'Channels, their participants and the users seen in tokens (the channels service).',
  messaging: 'Messages, read marks, reactions, internal notes and search (the messaging service).',
  tickets: 'Tickets, SLA policies and canned responses (the tickets service).',
  gateway: 'Answered by the gateway itself.',
};

const RETRY_AFTER = { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 1 } };

/** The error answers, in the contract's error shape (`ErrorBody`). */
const ERROR_RESPONSES: Record<number, { name: string; description: string; retryAfter?: boolean }> = {
  400: {
    name: 'BadRequest',
    description:
      'Bad input, nothing changed: `VALIDATION_FAILED` with `details` naming each field (`[{field, message}]`), `MALFORMED_JSON`, `INVALID_CURSOR`, or a rule the input breaks (`UNKNOWN_USER`, `ASSIGNEE_NOT_STAFF`, `NOT_PLATFORM_STAFF`, `USER_NOT_ADMISSIBLE`).',
  },
  401: {
    name: 'Unauthenticated',
    description: '`UNAUTHENTICATED`: no token, or a bad one; `details.reason` says which (`TOKEN_MISSING`, `TOKEN_INVALID`, `TOKEN_EXPIRED`, ...).',
  },
  403: { name: 'Forbidden', description: '`FORBIDDEN`: the caller\'s role may not do this (or `ORIGIN_NOT_ALLOWED` for a browser origin CORS refuses).' },
  404: {
    name: 'NotFound',
    description:
      'Unknown, or not visible to the caller (another tenant\'s ids look the same): `NOT_FOUND`, `CHANNEL_NOT_FOUND`, `TICKET_NOT_FOUND`, `CANNED_RESPONSE_NOT_FOUND`. A path parameter that cannot be an id is a 404 too.',
  },
  409: {
    name: 'Conflict',
    description:
      'The state forbids it: `CHANNEL_ARCHIVED`, `INVALID_STATUS_TRANSITION`, `MESSAGE_DELETED`, `CLIENT_MESSAGE_ID_REUSED`, `TOO_MANY_REACTIONS`, `TICKET_CLOSED`, `SHORTCUT_TAKEN`.',
  },
  413: { name: 'PayloadTooLarge', description: '`PAYLOAD_TOO_LARGE`: the body is over 64 kB.' },
  415: { name: 'UnsupportedMediaType', description: '`UNSUPPORTED_MEDIA_TYPE`: a body that is not JSON.' },
  429: { name: 'RateLimited', description: '`RATE_LIMITED`: the caller\'s user or tenant budget is spent.', retryAfter: true },
  503: {
    name: 'ServiceUnavailable',
    description: '`SERVICE_UNAVAILABLE`: a dependency, or the service that owns the route, cannot be reached; it works again once it is back.',
    retryAfter: true,
  },
};

const DESCRIPTION = [
  'The REST surface of the chat and support platform, as the gateway serves it (`/api/chat/...` on its `PORT`).',
  '',
  'The public contract is API.md (v1); `docs/API.md` lists what the project added to it. Answers may carry more fields than documented here, never fewer.',
  '',
  '- Every call but the dev token and this document carries `Authorization: Bearer <JWT>`; the tenant and user come from the token only.',
  '- Errors are `{"error": {"code", "message", "details?"}}`. Checks run in the order 401, 404, 403, 400, 409: a caller learns nothing about what it may not see.',
  '- Lists page with `limit` and `cursor` (`nextCursor` of the previous page, `null` at the end).',
  '- A browser origin that `CORS_ORIGINS` does not allow gets `403 ORIGIN_NOT_ALLOWED` on every route.',
].join('\n');

/** The OpenAPI 3.1 document of the routes (by default: every public route). */
export function buildOpenApiDocument(routes: readonly RouteSpec[] = PUBLIC_ROUTES): OpenApiDocument {
  const generated = generateSchemas(routes);
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    if (item[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is listed twice`);
    item[route.method] = operationOf(route, generated);
  }
  const errorStatuses = [...new Set(routes.flatMap(errorStatusesOf))].sort();
  return {
    openapi: OPENAPI_VERSION,
    info: { title: 'Chat platform REST API', version: '1', description: DESCRIPTION, license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
    servers: [{ url: '/', description: 'The gateway (`realtime-gateway`), default port 8080.' }],
    tags: (Object.keys(TAGS) as RouteOwner[]).filter((owner) => routes.some((route) => route.owner === owner)).map((owner) => ({ name: owner, description: TAGS[owner] })),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The host platform\'s token: `sub` the user, `tid` the tenant, `role`, optional `name`; `exp` required.',
        },
      },
      schemas: generated.components,
      responses: Object.fromEntries(errorStatuses.map((status) => [errorResponseName(status), errorResponse(status)])),
    },
  };
}

/** The document as the committed `docs/openapi.json` holds it. */
export function renderOpenApiDocument(document: OpenApiDocument = buildOpenApiDocument()): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Where the committed copy lives: `docs/openapi.json` at the repository's root. */
export const COMMITTED_DOCUMENT_URL = new URL('../../../docs/openapi.json', import.meta.url);

/** The statuses a route may refuse with: its own, and the generic ones that apply to it. */
export function errorStatusesOf(route: RouteSpec): number[] {
  const statuses = new Set(route.errors ?? []);
  if (!route.public) for (const status of [401, 429, 503]) statuses.add(status);
  if (route.body) for (const status of [400, 413, 415]) statuses.add(status);
  if (route.query) statuses.add(400);
  if (route.params) statuses.add(404);
  return [...statuses].sort();
}

interface GeneratedSchemas {
  components: Record<string, JsonObject>;
  /** Per operation: the JSON Schema of each path and query parameter, and which are required. */
  parameters: Map<string, { in: 'path' | 'query'; name: string; required: boolean; schema: JsonObject }[]>;
}

/**
 * One zod conversion per direction, so that schemas refer to each other by `$ref` the same way
 * everywhere: request bodies and parameters as zod's input (defaults optional, coercions as the
 * value they accept), answers as its output. Parameters pass through as temporary components and
 * are taken apart into OpenAPI parameters.
 */
function generateSchemas(routes: readonly RouteSpec[]): GeneratedSchemas {
  const parameterIds = new Map<string, { in: 'path' | 'query'; id: string }[]>();
  const parameterObjects: Record<string, z.ZodType> = {};
  for (const route of routes) {
    const ids: { in: 'path' | 'query'; id: string }[] = [];
    if (route.params) {
      const id = `params.${route.operationId}`;
      parameterObjects[id] = z.object(route.params);
      ids.push({ in: 'path', id });
    }
    if (route.query) {
      const id = `query.${route.operationId}`;
      parameterObjects[id] = z.object(route.query.shape);
      ids.push({ in: 'query', id });
    }
    parameterIds.set(route.operationId, ids);
  }

  const input = convert({ ...sharedSchemas, ...requestSchemas, ...parameterObjects }, 'input');
  const output = convert({ ...sharedSchemas, ...responseSchemas }, 'output');
  for (const name of Object.keys(sharedSchemas)) {
    if (!isDeepStrictEqual(input[name], output[name])) throw new Error(`${name} differs between requests and answers: give each its own name`);
  }

  const parameters: GeneratedSchemas['parameters'] = new Map();
  for (const [operationId, ids] of parameterIds) {
    parameters.set(
      operationId,
      ids.flatMap(({ in: location, id }) => {
        const object = input[id]!;
        delete input[id];
        const required = new Set((object.required as string[] | undefined) ?? []);
        return Object.entries(object.properties as Record<string, JsonObject>).map(([name, schema]) => ({
          in: location,
          name,
          required: location === 'path' || required.has(name),
          schema,
        }));
      }),
    );
  }
  return { components: sortedByName({ ...input, ...output }), parameters };
}

function convert(named: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) {
    if (registry.has(schema)) throw new Error(`${id} is the same schema as ${registry.get(schema)?.id}: give it one name`);
    registry.add(schema, { id });
  }
  const { schemas } = z.toJSONSchema(registry, {
    io,
    uri: (id) => `${SCHEMA_PREFIX}${id}`,
    // zod describes an answer's plain object as closed (`additionalProperties: false`), since its
    // parse strips unknown keys; but an answer may carry more fields than documented, never fewer.
    override: io === 'output' ? openPlainObjects : undefined,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      // Each is a component of this document, not a document of its own.
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonObject;
      return [id, rest];
    }),
  );
}

function openPlainObjects({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodTypes; jsonSchema: JsonObject }): void {
  const def = zodSchema._zod.def;
  if (def.type === 'object' && def.catchall === undefined && jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
}

function sortedByName<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const ref = (name: string) => ({ $ref: `${SCHEMA_PREFIX}${name}` });

function operationOf(route: RouteSpec, generated: GeneratedSchemas): JsonObject {
  const parameters = (generated.parameters.get(route.operationId) ?? []).map((parameter) => ({
    name: parameter.name,
    in: parameter.in,
    required: parameter.required,
    ...(route.parameterNotes?.[parameter.name] ? { description: route.parameterNotes[parameter.name] } : {}),
    schema: parameter.schema,
  }));
  const { response } = route;
  const success: JsonObject = {
    description: response.description,
    ...(response.headers
      ? { headers: Object.fromEntries(Object.entries(response.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) }
      : {}),
    ...(response.schema ? { content: { [JSON_MEDIA]: { schema: ref(response.schema) } } } : {}),
  };
  const errors = errorStatusesOf(route).map((status) => [String(status), { $ref: `#/components/responses/${errorResponseName(status)}` }]);
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.owner],
    'x-owner': route.owner,
    ...(route.public ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            // A body whose fields are all optional may be left out (it is read as `{}`).
            required: !requestSchemas[route.body].safeParse({}).success,
            content: { [JSON_MEDIA]: { schema: ref(route.body) } },
          },
        }
      : {}),
    responses: { [String(response.status)]: success, ...Object.fromEntries(errors) },
  };
}

function errorResponseName(status: number): string {
  const known = ERROR_RESPONSES[status];
  if (!known) throw new Error(`No error response is described for status ${status}`);
  return known.name;
}

function errorResponse(status: number): JsonObject {
  const { description, retryAfter } = ERROR_RESPONSES[status]!;
  return {
    description,
    ...(retryAfter ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
    content: { [JSON_MEDIA]: { schema: ref('ErrorBody') } },
  };
}
