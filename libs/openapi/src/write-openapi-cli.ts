/**
 * `npm run openapi`: writes the document to `docs/openapi.json`, the copy committed beside the
 * code. `npm run openapi -- --check` only compares, and fails when the copy is out of date.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { checkOpenApiDocument } from './check.ts';
import { buildOpenApiDocument, COMMITTED_DOCUMENT_URL, renderOpenApiDocument } from './document.ts';

const document = buildOpenApiDocument();
const problems = checkOpenApiDocument(document);
if (problems.length > 0) {
  console.error(`The document is not sound:\n${problems.join('\n')}`);
  process.exit(1);
}
const text = renderOpenApiDocument(document);
const target = fileURLToPath(COMMITTED_DOCUMENT_URL);

if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== text) {
    console.error(`${target} is out of date: run npm run openapi`);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else {
  await writeFile(target, text);
  console.log(`wrote ${target}`);
}
