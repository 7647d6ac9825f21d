import type { RequestHandler } from 'express';
import { buildOpenApiDocument, type OpenApiDocument } from '@chat/openapi';

/**
 * `GET /api/chat/openapi.json`: the REST surface as OpenAPI 3.1, for anyone (it describes routes,
 * never data). Built on the first request, then kept: it changes only with the code.
 */
export function openApiDocument(): RequestHandler {
  let document: OpenApiDocument | undefined;
  return (_req, res) => {
    document ??= buildOpenApiDocument();
    res.set('cache-control', 'public, max-age=300').json(document);
  };
}
