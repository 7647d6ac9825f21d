/** What a JSON endpoint answered: tests read the body loosely and assert on what they find. */
export interface JsonAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface JsonRequest {
  method?: string;
  token?: string | null;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, for malformed or oversize bodies. */
  raw?: string;
  contentType?: string;
}

/** One HTTP call with a bearer token and a JSON body, the way every client of the API makes it. */
export async function requestJson<T>(url: string, { method = 'GET', token, body, raw, contentType }: JsonRequest = {}): Promise<JsonAnswer<T>> {
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined) headers['content-type'] = contentType ?? 'application/json';
  const response = await fetch(url, { method, headers, body: payload });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}
