import assert from 'node:assert/strict';

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON, or `undefined` when it is not JSON. */
  json: unknown;
}

/** A request exactly as given: any body text, any headers, a token or none. */
export async function raw(
  url: string,
  method: string,
  path: string,
  { token, body, headers = {} }: { token?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Every error answers `{error: {code, message}}` in JSON and tells nothing of the inside. */
export function assertErrorShape(answer: RawAnswer, what: string): string {
  const error = (answer.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  assert.equal(typeof error?.code, 'string', `${what}: no error shape in ${answer.text.slice(0, 200)}`);
  assert.equal(typeof error?.message, 'string', `${what}: no error message`);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, `${what}: content type`);
  assert.doesNotMatch(answer.text, /\bat .+\.(ts|js):\d+|node_modules|ECONNREFUSED|SELECT |INSERT /, `${what}: internals in the answer`);
  return error!.code as string;
}
