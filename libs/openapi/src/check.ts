/**
 * A small, strict reader of the document: a structural check of the OpenAPI 3.1 object, and a
 * JSON Schema (2020-12) validator for the keywords the document uses. A keyword it does not know
 * is reported, never skipped, so nothing the document says goes unchecked.
 */

type Json = unknown;
type JsonObject = { [key: string]: Json };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PATH_ITEM_FIELDS = new Set<string>([...METHODS, 'summary', 'description', 'parameters', 'servers', '$ref']);
const PARAMETER_LOCATIONS = new Set(['query', 'header', 'path', 'cookie']);
const STATUS_KEY = /^([1-5]\d\d|[1-5]XX|default)$/;

/** Keywords that only annotate: they constrain nothing. */
const ANNOTATIONS = new Set(['description', 'title', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'format', '$comment']);
/** Keywords the validator enforces. */
const ASSERTIONS = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
]);
const SCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;
const SUBSCHEMAS = ['additionalProperties', 'propertyNames', 'items', 'not'] as const;

const isObject = (value: Json): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Follows a local reference (`#/components/...`); undefined when it leads nowhere. */
export function resolvePointer(document: Json, ref: string): Json {
  if (!ref.startsWith('#')) return undefined;
  let node: Json = document;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

/** Problems with the document as an OpenAPI 3.1 object; empty when it is sound. */
export function checkOpenApiDocument(document: Json): string[] {
  const problems: string[] = [];
  const problem = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (!isObject(document)) return ['the document is not an object'];

  if (typeof document.openapi !== 'string' || !/^3\.1\.\d+$/.test(document.openapi)) problem('openapi', 'is not 3.1.x');
  const info = document.info;
  if (!isObject(info) || typeof info.title !== 'string' || typeof info.version !== 'string') problem('info', 'needs a title and a version');
  const components = isObject(document.components) ? document.components : {};
  const securitySchemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  checkSecurity(document.security, securitySchemes, 'security', problem);

  checkReferences(document, document, '#', problem);
  for (const [name, schema] of Object.entries(isObject(components.schemas) ? components.schemas : {})) checkSchema(schema, `#/components/schemas/${name}`, problem);

  if (!isObject(document.paths)) {
    problem('paths', 'is missing');
    return problems;
  }
  const operationIds = new Set<string>();
  const shapes = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths)) {
    const where = `paths.${path}`;
    if (!path.startsWith('/')) problem(where, 'does not start with /');
    // Templates that differ only in their parameters' names are the same path (OpenAPI 3.1 §4.8.8).
    const shape = path.replace(/\{[^}]*\}/g, '{}');
    if (shapes.has(shape)) problem(where, `is the same path as ${shapes.get(shape)}`);
    shapes.set(shape, path);
    if (!isObject(item)) {
      problem(where, 'is not a path item');
      continue;
    }
    for (const field of Object.keys(item)) if (!PATH_ITEM_FIELDS.has(field) && !field.startsWith('x-')) problem(where, `has an unknown field ${field}`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
    const shared = parametersOf(document, item.parameters, `${where}.parameters`, problem);
    const methods = METHODS.filter((method) => item[method] !== undefined);
    if (methods.length === 0) problem(where, 'has no operation');
    for (const method of methods) {
      const operation = item[method];
      const at = `${where}.${method}`;
      if (!isObject(operation)) {
        problem(at, 'is not an operation');
        continue;
      }
      if (typeof operation.operationId === 'string') {
        if (operationIds.has(operation.operationId)) problem(at, `repeats operationId ${operation.operationId}`);
        operationIds.add(operation.operationId);
      }
      const own = parametersOf(document, operation.parameters, `${at}.parameters`, problem);
      const byKey = new Map([...shared, ...own].map((parameter) => [`${parameter.in}:${parameter.name}`, parameter]));
      const inPath = [...byKey.values()].filter((parameter) => parameter.in === 'path');
      for (const name of templated) {
        const declared = byKey.get(`path:${name}`);
        if (!declared) problem(at, `does not declare the path parameter ${name}`);
        else if (declared.required !== true) problem(at, `path parameter ${name} must be required`);
      }
      for (const parameter of inPath) if (!templated.includes(parameter.name)) problem(at, `declares path parameter ${parameter.name}, which the path does not have`);
      if (operation.requestBody !== undefined) checkContent(deref(document, operation.requestBody), `${at}.requestBody`, problem, true);
      if (operation.security !== undefined) checkSecurity(operation.security, securitySchemes, `${at}.security`, problem);
      if (!isObject(operation.responses) || Object.keys(operation.responses).length === 0) {
        problem(at, 'has no responses');
        continue;
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!STATUS_KEY.test(status)) problem(`${at}.responses`, `${status} is not a status`);
        const resolved = deref(document, response);
        if (!isObject(resolved) || typeof resolved.description !== 'string') problem(`${at}.responses.${status}`, 'needs a description');
        else if (resolved.content !== undefined) checkContent(resolved, `${at}.responses.${status}`, problem, false);
      }
    }
  }
  return problems;
}

interface Parameter {
  name: string;
  in: string;
  required?: unknown;
}

function parametersOf(document: JsonObject, list: Json, where: string, problem: (where: string, what: string) => void): Parameter[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    problem(where, 'is not a list');
    return [];
  }
  const seen = new Set<string>();
  const parameters: Parameter[] = [];
  list.forEach((entry, index) => {
    const parameter = deref(document, entry);
    const at = `${where}[${index}]`;
    if (!isObject(parameter) || typeof parameter.name !== 'string' || typeof parameter.in !== 'string' || !PARAMETER_LOCATIONS.has(parameter.in)) {
      problem(at, 'needs a name and a location (query, header, path, cookie)');
      return;
    }
    const key = `${parameter.in}:${parameter.name}`;
    if (seen.has(key)) problem(at, `repeats ${key}`);
    seen.add(key);
    if (parameter.schema === undefined && parameter.content === undefined) problem(at, 'needs a schema');
    else if (parameter.schema !== undefined) checkSchema(parameter.schema, `${at}.schema`, problem);
    parameters.push({ name: parameter.name, in: parameter.in, required: parameter.required });
  });
  return parameters;
}

function checkContent(holder: Json, where: string, problem: (where: string, what: string) => void, required: boolean): void {
  const content = isObject(holder) ? holder.content : undefined;
  if (!isObject(content) || Object.keys(content).length === 0) {
    if (required) problem(where, 'needs content');
    return;
  }
  for (const [media, entry] of Object.entries(content)) {
    if (!isObject(entry) || entry.schema === undefined) problem(`${where}.content.${media}`, 'needs a schema');
    else checkSchema(entry.schema, `${where}.content.${media}.schema`, problem);
  }
}

function checkSecurity(security: Json, schemes: JsonObject, where: string, problem: (where: string, what: string) => void): void {
  if (security === undefined) return;
  if (!Array.isArray(security)) return problem(where, 'is not a list');
  for (const requirement of security) {
    if (!isObject(requirement)) problem(where, 'holds something that is not a requirement');
    else for (const name of Object.keys(requirement)) if (!isObject(schemes[name])) problem(where, `names the unknown security scheme ${name}`);
  }
}

function checkReferences(document: JsonObject, node: Json, where: string, problem: (where: string, what: string) => void): void {
  if (Array.isArray(node)) node.forEach((entry, index) => checkReferences(document, entry, `${where}/${index}`, problem));
  if (!isObject(node)) return;
  if (typeof node.$ref === 'string' && resolvePointer(document, node.$ref) === undefined) problem(where, `$ref ${node.$ref} leads nowhere`);
  for (const [key, value] of Object.entries(node)) checkReferences(document, value, `${where}/${key}`, problem);
}

/** Every keyword is one the validator knows, all the way down. */
function checkSchema(schema: Json, where: string, problem: (where: string, what: string) => void): void {
  if (typeof schema === 'boolean') return;
  if (!isObject(schema)) return problem(where, 'is not a schema');
  for (const keyword of Object.keys(schema)) {
    if (!ASSERTIONS.has(keyword) && !ANNOTATIONS.has(keyword) && !keyword.startsWith('x-')) problem(where, `uses the keyword ${keyword}, which this checker does not know`);
  }
  if (schema.properties !== undefined) {
    if (!isObject(schema.properties)) problem(where, 'properties is not an object');
    else for (const [name, property] of Object.entries(schema.properties)) checkSchema(property, `${where}/properties/${name}`, problem);
  }
  for (const keyword of SCHEMA_LISTS) {
    const list = schema[keyword];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) problem(where, `${keyword} is not a list of schemas`);
    else list.forEach((entry, index) => checkSchema(entry, `${where}/${keyword}/${index}`, problem));
  }
  for (const keyword of SUBSCHEMAS) if (schema[keyword] !== undefined) checkSchema(schema[keyword], `${where}/${keyword}`, problem);
  if (schema.pattern !== undefined) {
    try {
      new RegExp(String(schema.pattern), 'u');
    } catch {
      problem(where, 'pattern is not a regular expression');
    }
  }
}

function deref(document: JsonObject, node: Json): Json {
  let current = node;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string' && hops < 20; hops++) current = resolvePointer(document, current.$ref);
  return current;
}

/**
 * Where `value` breaks `schema` (references resolved in `document`), as `$.path: problem`
 * lines; empty when it fits. A keyword the validator does not know throws.
 */
export function validateAgainstSchema(document: Json, schema: Json, value: Json, at = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: nothing is allowed here`];
  if (!isObject(schema)) throw new Error(`${at}: not a schema`);
  for (const keyword of Object.keys(schema)) {
    if (!ASSERTIONS.has(keyword) && !ANNOTATIONS.has(keyword) && !keyword.startsWith('x-')) throw new Error(`${at}: the keyword ${keyword} is not supported`);
  }
  const problems: string[] = [];
  const fail = (what: string) => problems.push(`${at}: ${what}`);
  const nested = (sub: Json, val: Json, path: string) => problems.push(...validateAgainstSchema(document, sub, val, path));

  if (typeof schema.$ref === 'string') {
    const target = resolvePointer(document, schema.$ref);
    if (target === undefined) throw new Error(`${at}: $ref ${schema.$ref} leads nowhere`);
    nested(target, value, at);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => hasType(value, String(type)))) fail(`expected ${types.join(' or ')}, got ${describe(value)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => sameJson(option, value))) fail(`${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (schema.const !== undefined && !sameJson(schema.const, value)) fail(`expected ${JSON.stringify(schema.const)}`);

  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) fail(`shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) fail(`does not match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail(`above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) fail(`not above ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) fail(`not below ${schema.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail(`fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail(`more than ${schema.maxItems} items`);
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    value.forEach((item, index) => {
      if (index < prefix.length) nested(prefix[index], item, `${at}[${index}]`);
      else if (schema.items !== undefined) nested(schema.items, item, `${at}[${index}]`);
    });
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required)) for (const name of schema.required) if (!Object.hasOwn(value, String(name))) fail(`lacks ${String(name)}`);
    for (const [name, field] of Object.entries(value)) {
      if (schema.propertyNames !== undefined) nested(schema.propertyNames, name, `${at}[${JSON.stringify(name)}]`);
      if (Object.hasOwn(properties, name)) nested(properties[name], field, `${at}.${name}`);
      else if (schema.additionalProperties !== undefined) nested(schema.additionalProperties, field, `${at}.${name}`);
    }
  }

  if (Array.isArray(schema.allOf)) for (const sub of schema.allOf) nested(sub, value, at);
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((sub) => validateAgainstSchema(document, sub, value, at).length === 0)) {
    fail(`fits none of anyOf: ${schema.anyOf.map((sub) => validateAgainstSchema(document, sub, value, at).join('; ')).join(' | ')}`);
  }
  if (Array.isArray(schema.oneOf)) {
    const fitting = schema.oneOf.filter((sub) => validateAgainstSchema(document, sub, value, at).length === 0).length;
    if (fitting !== 1) fail(`fits ${fitting} of oneOf, not exactly one`);
  }
  if (schema.not !== undefined && validateAgainstSchema(document, schema.not, value, at).length === 0) fail('fits what it must not');
  return problems;
}

function hasType(value: Json, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      throw new Error(`unknown type ${type}`);
  }
}

function describe(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return Number.isInteger(value) ? 'integer' : typeof value;
}

function sameJson(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface FoundOperation {
  /** The path template, e.g. `/api/chat/channels/{id}`. */
  template: string;
  method: string;
  operation: JsonObject;
}

/**
 * The operation a concrete request reaches: segment by segment, a template's `{name}` matching any
 * one segment, and a template with fewer parameters winning (a fixed segment beats a parameter).
 */
export function findOperation(document: Json, method: string, path: string): FoundOperation | undefined {
  if (!isObject(document) || !isObject(document.paths)) return undefined;
  const segments = (path.split('?')[0] ?? '').split('/');
  const candidates = Object.entries(document.paths)
    .filter(([template, item]) => isObject(item) && isObject(item[method.toLowerCase()]) && matchesTemplate(template.split('/'), segments))
    .sort(([a], [b]) => parameterCount(a) - parameterCount(b));
  const [template, item] = candidates[0] ?? [];
  if (template === undefined || !isObject(item)) return undefined;
  return { template, method: method.toLowerCase(), operation: item[method.toLowerCase()] as JsonObject };
}

const parameterCount = (template: string) => (template.match(/\{[^}]*\}/g) ?? []).length;

function matchesTemplate(template: string[], segments: string[]): boolean {
  return template.length === segments.length && template.every((part, index) => (/^\{[^}]+\}$/.test(part) ? segments[index] !== '' : part === segments[index]));
}

export interface ObservedResponse {
  method: string;
  /** The path as requested, query string allowed. */
  path: string;
  status: number;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/** Whether an answer is one the document describes: its status is listed, and its body fits the schema given for it. */
export function checkResponse(document: Json, observed: ObservedResponse): string[] {
  const label = `${observed.method.toUpperCase()} ${observed.path} → ${observed.status}`;
  const found = findOperation(document, observed.method, observed.path);
  if (!found) return [`${label}: no operation in the document`];
  const responses = isObject(found.operation.responses) ? found.operation.responses : {};
  const declared = responses[String(observed.status)] ?? responses[`${String(observed.status)[0]}XX`] ?? responses.default;
  if (declared === undefined) return [`${label}: status not documented for ${found.method.toUpperCase()} ${found.template}`];
  const response = deref(document as JsonObject, declared);
  const media = isObject(response) && isObject(response.content) ? response.content['application/json'] : undefined;
  if (!isObject(media)) return observed.body === undefined ? [] : [`${label}: a body where the document gives none`];
  if (observed.body === undefined) return [`${label}: no body where the document gives one`];
  return validateAgainstSchema(document, media.schema, observed.body).map((problem) => `${label}: ${problem}`);
}
