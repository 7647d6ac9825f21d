import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { CreateChannelBody, Message } from '@chat/contracts';
import {
  buildOpenApiDocument,
  checkOpenApiDocument,
  checkResponse,
  COMMITTED_DOCUMENT_URL,
  errorStatusesOf,
  findOperation,
  PUBLIC_ROUTES,
  renderOpenApiDocument,
  resolvePointer,
  validateAgainstSchema,
  type OpenApiDocument,
} from '@chat/openapi';

const document = buildOpenApiDocument();
const schema = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const operation = (path: string, method: string) => document.paths[path]?.[method] as Record<string, unknown> & { parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[] };
const copy = (): OpenApiDocument => structuredClone(document);

const message = {
  id: crypto.randomUUID(),
  channelId: crypto.randomUUID(),
  tenantId: 'acme',
  seq: 1,
  senderId: 'u-1',
  senderType: 'PARTICIPANT',
  content: 'hello',
  metadata: null,
  createdAt: new Date().toISOString(),
  editedAt: null,
  deletedAt: null,
  reactions: { '👍': 2 },
};

describe('the committed document', () => {
  it('is exactly what the code generates (run `npm run openapi` after changing a route or schema)', async () => {
    const committed = await readFile(COMMITTED_DOCUMENT_URL, 'utf8');
    assert.equal(committed, renderOpenApiDocument(), 'docs/openapi.json is out of date: run npm run openapi');
  });

  it('comes out the same on every build', () => {
    assert.equal(renderOpenApiDocument(buildOpenApiDocument()), renderOpenApiDocument(buildOpenApiDocument()));
  });
});

describe('the document as OpenAPI 3.1', () => {
  it('is structurally sound: paths, operations with responses, parameters, security, and every $ref resolves', () => {
    assert.deepEqual(checkOpenApiDocument(document), []);
    assert.equal(document.openapi, '3.1.0');
    assert.deepEqual(document.security, [{ bearerAuth: [] }]);
    const { bearerAuth } = document.components.securitySchemes as { bearerAuth: Record<string, unknown> };
    assert.deepEqual([bearerAuth.type, bearerAuth.scheme, bearerAuth.bearerFormat], ['http', 'bearer', 'JWT']);
  });

  it('and the checker does find what is wrong', () => {
    const cases: [string, (broken: OpenApiDocument) => void, RegExp][] = [
      ['a version that is not 3.1', (broken) => (broken.openapi = '3.0.3'), /openapi: is not 3\.1/],
      ['a $ref that leads nowhere', (broken) => ((broken.components.schemas.Channel!.properties as Record<string, unknown>).status = schema('Nothing')), /Nothing leads nowhere/],
      ['an operation without responses', (broken) => (broken.paths['/api/chat/channels']!.get!.responses = {}), /has no responses/],
      ['an undeclared path parameter', (broken) => delete broken.paths['/api/chat/channels/{id}']!.get!.parameters, /does not declare the path parameter id/],
      ['a path parameter the path lacks', (broken) => ((broken.paths['/api/chat/channels/{id}']!.get!.parameters as { name: string }[])[0]!.name = 'channelId'), /declares path parameter channelId/],
      ['a response without description', (broken) => delete (broken.paths['/api/chat/tickets']!.get!.responses as Record<string, Record<string, unknown>>)['200']!.description, /needs a description/],
      ['a repeated operationId', (broken) => (broken.paths['/api/chat/tickets']!.get!.operationId = 'listChannels'), /repeats operationId listChannels/],
      ['an unknown security scheme', (broken) => (broken.security = [{ apiKey: [] }]), /unknown security scheme apiKey/],
      ['a schema keyword nobody checks', (broken) => (broken.components.schemas.Note!.dependentRequired = {}), /keyword dependentRequired/],
      ['a status that is none', (broken) => ((broken.paths['/api/chat/tickets']!.get!.responses as Record<string, unknown>).ok = { description: 'fine' }), /ok is not a status/],
      ['two paths that differ only in a parameter name', (broken) => (broken.paths['/api/chat/channels/{channelId}'] = broken.paths['/api/chat/channels/{id}']!), /same path as/],
    ];
    for (const [what, breakIt, expected] of cases) {
      const broken = copy();
      breakIt(broken);
      const problems = checkOpenApiDocument(broken);
      assert.ok(problems.some((problem) => expected.test(problem)), `${what}: ${problems.join('; ') || 'no problem found'}`);
    }
  });
});

describe('the route table in the document', () => {
  it('has one operation per route, with its owner, summary, answer and error statuses', () => {
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
    assert.equal(operations.length, PUBLIC_ROUTES.length);
    for (const route of PUBLIC_ROUTES) {
      const found = operation(route.path, route.method);
      const label = `${route.method.toUpperCase()} ${route.path}`;
      assert.ok(found, label);
      assert.equal(found.operationId, route.operationId, label);
      assert.equal(found['x-owner'], route.owner, label);
      assert.deepEqual(found.tags, [route.owner], label);
      assert.ok(typeof found.summary === 'string' && found.summary.length > 0, label);
      const responses = found.responses as Record<string, { $ref?: string; content?: unknown }>;
      assert.deepEqual(Object.keys(responses).map(Number).sort(), [route.response.status, ...errorStatusesOf(route)].sort(), label);
      assert.equal(responses[route.response.status]!.content === undefined, route.response.schema === undefined, label);
      for (const status of errorStatusesOf(route)) {
        const error = resolvePointer(document, responses[status]!.$ref!) as { content: { 'application/json': { schema: unknown } } };
        assert.deepEqual(error.content['application/json'].schema, schema('ErrorBody'), `${label} ${status}`);
      }
      if (route.public) assert.deepEqual(found.security, [], `${label} needs no token`);
      else assert.ok(responses['401'] && responses['429'], `${label} refuses without a token`);
      if (route.body) assert.ok(responses['400'] && responses['413'] && responses['415'], `${label} refuses a bad body`);
      if (route.params) assert.ok(responses['404'], `${label} refuses an unknown id`);
    }
  });

  it('covers the routes of API.md and of the services\' additions', () => {
    const listed = new Set(PUBLIC_ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`));
    for (const route of [
      'POST /api/chat/channels',
      'GET /api/chat/channels',
      'GET /api/chat/channels/{id}',
      'POST /api/chat/channels/{id}/messages',
      'GET /api/chat/channels/{id}/messages',
      'PUT /api/chat/channels/{id}/escalate',
      'PUT /api/chat/channels/{id}/assign',
      'PUT /api/chat/channels/{id}/resolve',
      'DELETE /api/chat/channels/{id}',
      'POST /api/chat/channels/{id}/read',
      'GET /api/chat/tickets',
      'GET /api/chat/tickets/{id}',
      'POST /api/chat/channels/{id}/notes',
      'GET /api/chat/channels/{id}/notes',
      'GET /api/chat/users',
      'POST /api/chat/dev/token',
      'POST /api/chat/channels/{id}/participants',
      'DELETE /api/chat/channels/{id}/participants/{userId}',
      'PATCH /api/chat/messages/{id}',
      'DELETE /api/chat/messages/{id}',
      'POST /api/chat/messages/{id}/reactions',
      'DELETE /api/chat/messages/{id}/reactions/{emoji}',
      'GET /api/chat/search',
      'PATCH /api/chat/tickets/{id}',
      'GET /api/chat/sla-policy',
      'PUT /api/chat/sla-policy',
      'GET /api/chat/canned-responses',
      'POST /api/chat/canned-responses',
      'PATCH /api/chat/canned-responses/{id}',
      'DELETE /api/chat/canned-responses/{id}',
      'GET /api/chat/presence',
      'GET /api/chat/openapi.json',
    ]) {
      assert.ok(listed.has(route), route);
    }
  });
});

describe('the schemas', () => {
  it('describe requests as the services accept them: defaults optional, unknown fields refused', () => {
    const limit = operation('/api/chat/channels', 'get').parameters!.find((parameter) => parameter.name === 'limit')!;
    assert.equal(limit.in, 'query');
    assert.equal(limit.required, false);
    assert.equal(limit.schema.default, 50);
    assert.equal(limit.schema.type, 'integer');
    const search = operation('/api/chat/search', 'get').parameters!;
    assert.equal(search.find((parameter) => parameter.name === 'q')!.required, true);
    const id = operation('/api/chat/channels/{id}', 'get').parameters!.find((parameter) => parameter.name === 'id')!;
    assert.deepEqual([id.in, id.required, id.schema.format], ['path', true, 'uuid']);

    assert.equal(document.components.schemas.CreateChannelBody!.additionalProperties, false);
    assert.equal((operation('/api/chat/channels', 'post').requestBody as { required: boolean }).required, true);
    assert.equal((operation('/api/chat/channels/{id}/resolve', 'put').requestBody as { required: boolean }).required, false, 'resolve may be sent without a body');
    assert.deepEqual(validateAgainstSchema(document, schema('CreateChannelBody'), { type: 'SUPPORT', subject: 'Help', category: 'OTHER' }), []);
    assert.ok(validateAgainstSchema(document, schema('CreateChannelBody'), { type: 'SUPPORT', tenantId: 'other' }).length > 0, 'an unknown field is refused');
    assert.ok(validateAgainstSchema(document, schema('CreateChannelBody'), { type: 'GROUP' }).length > 0, 'an unknown type is refused');
  });

  it('describe answers as the services give them, open to more fields', () => {
    assert.equal(document.components.schemas.Channel!.additionalProperties, undefined);
    assert.ok('lastActivityAt' in (document.components.schemas.Channel!.properties as object));
    assert.deepEqual((document.components.schemas.ListedChannel!.required as string[]).filter((name) => name === 'lastMessage' || name === 'unreadCount').sort(), ['lastMessage', 'unreadCount']);
    assert.ok((document.components.schemas.ChannelWithParticipants!.required as string[]).includes('participants'));
    assert.ok('firstResponseDueAt' in (document.components.schemas.Ticket!.properties as object));
    assert.ok('history' in (document.components.schemas.TicketWithHistory!.properties as object));

    assert.deepEqual(validateAgainstSchema(document, schema('Message'), message), []);
    assert.deepEqual(validateAgainstSchema(document, schema('Message'), { ...message, pinned: true }), [], 'more fields are allowed');
    const { seq: _seq, ...withoutSeq } = message;
    assert.match(validateAgainstSchema(document, schema('Message'), withoutSeq).join(), /lacks seq/);
    assert.match(validateAgainstSchema(document, schema('Message'), { ...message, seq: 0 }).join(), /not above 0/);
    assert.match(validateAgainstSchema(document, schema('Message'), { ...message, senderType: 'BOT' }).join(), /not one of/);
    assert.match(validateAgainstSchema(document, schema('Message'), { ...message, id: 'not-a-uuid' }).join(), /does not match/);
    assert.match(validateAgainstSchema(document, schema('MessagePage'), { items: [message] }).join(), /lacks nextCursor/);
    assert.deepEqual(validateAgainstSchema(document, schema('MessagePage'), { items: [message], nextCursor: null }), []);
  });

  it('agree with the contract\'s zod schemas on what they accept', () => {
    const samples: [unknown, boolean][] = [
      [message, true],
      [{ ...message, editedAt: 'yesterday' }, true],
      [{ ...message, metadata: { a: 1 } }, true],
      [{ ...message, metadata: [] }, false],
      [{ ...message, tenantId: '' }, false],
      [{ ...message, seq: 1.5 }, false],
      [{ ...message, reactions: { x: 'many' } }, false],
    ];
    for (const [value, valid] of samples) {
      assert.equal(Message.safeParse(value).success, valid, `zod: ${JSON.stringify(value)}`);
      assert.equal(validateAgainstSchema(document, schema('Message'), value).length === 0, valid, `document: ${JSON.stringify(value)}`);
    }
    for (const [value, valid] of [
      [{ type: 'TEAM', participantIds: ['a', 'b'] }, true],
      [{ type: 'TEAM', participantIds: [''] }, false],
      [{ type: 'TEAM', name: 'x'.repeat(201) }, false],
      [{ type: 'TEAM', priority: 'SOON' }, false],
    ] as [unknown, boolean][]) {
      assert.equal(CreateChannelBody.safeParse(value).success, valid, `zod: ${JSON.stringify(value)}`);
      assert.equal(validateAgainstSchema(document, schema('CreateChannelBody'), value).length === 0, valid, `document: ${JSON.stringify(value)}`);
    }
  });

  it('use only keywords the validator knows; an unknown one is an error, not a pass', () => {
    assert.throws(() => validateAgainstSchema(document, { type: 'string', contentEncoding: 'base64' }, 'x'), /contentEncoding/);
  });
});

describe('matching an answer to the document', () => {
  it('finds the operation of a concrete path, a fixed segment before a parameter', () => {
    assert.equal(findOperation(document, 'GET', `/api/chat/channels/${crypto.randomUUID()}?x=1`)?.template, '/api/chat/channels/{id}');
    assert.equal(findOperation(document, 'DELETE', `/api/chat/messages/${crypto.randomUUID()}/reactions/%F0%9F%91%8D`)?.template, '/api/chat/messages/{id}/reactions/{emoji}');
    assert.equal(findOperation(document, 'PUT', '/api/chat/channels'), undefined);
    const both = { paths: { '/a/{x}': { get: { responses: {} } }, '/a/b': { get: { responses: {} } } } };
    assert.equal(findOperation(both, 'GET', '/a/b')?.template, '/a/b');
    assert.equal(findOperation(both, 'GET', '/a/c')?.template, '/a/{x}');
  });

  it('accepts a documented answer and names what is wrong with any other', () => {
    const path = `/api/chat/messages/${message.id}`;
    assert.deepEqual(checkResponse(document, { method: 'PATCH', path, status: 200, body: message }), []);
    assert.deepEqual(checkResponse(document, { method: 'PATCH', path, status: 409, body: { error: { code: 'MESSAGE_DELETED', message: 'gone' } } }), []);
    assert.match(checkResponse(document, { method: 'PATCH', path, status: 418, body: {} }).join(), /status not documented/);
    assert.match(checkResponse(document, { method: 'PATCH', path, status: 409, body: { code: 'MESSAGE_DELETED' } }).join(), /lacks error/);
    assert.match(checkResponse(document, { method: 'PATCH', path, status: 200, body: undefined }).join(), /no body/);
    assert.match(checkResponse(document, { method: 'DELETE', path: `/api/chat/canned-responses/${message.id}`, status: 204, body: {} }).join(), /a body where/);
    assert.match(checkResponse(document, { method: 'GET', path: '/api/chat/nowhere', status: 200, body: {} }).join(), /no operation/);
  });
});
