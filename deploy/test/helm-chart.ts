/**
 * `helm template` for this chart, on the Go template engine beside this file: loads Chart.yaml,
 * values.yaml and every template, merges values as Helm does (maps deep-merged, `null` removes a
 * key), renders each non-partial template and splits the output into YAML documents the way
 * Helm's release tooling does. Hooks stay in the output, with their annotations.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import { Renderer, STRUCT } from './go-template.ts';

export type Dict = Record<string, unknown>;

export interface Chart {
  dir: string;
  metadata: Dict;
  values: Dict;
  /** Template path relative to the chart (`templates/...`) to its source. */
  templates: Map<string, string>;
}

export interface Manifest {
  /** The template it came from, `templates/...`. */
  source: string;
  text: string;
  object: Dict;
}

export interface RenderOptions {
  releaseName?: string;
  namespace?: string;
  /** Values files, applied in order over the chart's values.yaml. */
  valuesFiles?: string[];
  /** Values applied last (as `--set` would), deep-merged. */
  set?: Dict;
  /** Replace template sources (by `templates/...` path): to show a check fails on a broken chart. */
  templateOverrides?: Map<string, string>;
  /** A field missing from a map is an error, as with `helm lint --strict` (default true). */
  strict?: boolean;
}

export interface Rendered {
  values: Dict;
  manifests: Manifest[];
  notes: string;
}

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

export function loadChart(dir: string): Chart {
  const metadata = parseYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Dict;
  const values = parseYaml(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Dict;
  const templates = new Map<string, string>();
  for (const file of listFiles(join(dir, 'templates'))) templates.set(relative(dir, file), readFileSync(file, 'utf8'));
  return { dir, metadata, values, templates };
}

/** Helm's coalescing of values: the override wins, maps merge, `null` deletes. */
export function mergeValues(base: Dict, override: Dict): Dict {
  const out: Dict = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else if (isDict(value) && isDict(out[key])) out[key] = mergeValues(out[key], value);
    else out[key] = value;
  }
  return out;
}

/** The documents of a rendered file, as Helm splits them (`releaseutil.SplitManifests`). */
export function splitManifests(text: string): string[] {
  return text
    .trim()
    .split(/(?:^|\s*\n)---\s*/)
    .map((doc) => doc.trim())
    .filter((doc) => doc !== '');
}

/** Parses one document as Kubernetes does (YAML 1.1, duplicate keys refused). */
export function parseManifest(text: string, where: string): Dict {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors.map((error) => error.message).join('; ')}\n---\n${text}`);
  const object = doc.toJS() as unknown;
  if (object === null || object === undefined) return {};
  if (!isDict(object)) throw new Error(`${where}: not a mapping\n---\n${text}`);
  return object;
}

function chartObject(metadata: Dict): Dict {
  const field = (key: string) => metadata[key] ?? '';
  return {
    [STRUCT]: true,
    Name: field('name'),
    Version: field('version'),
    AppVersion: field('appVersion'),
    Description: field('description'),
    Type: field('type'),
    APIVersion: field('apiVersion'),
    Keywords: metadata.keywords ?? [],
  };
}

export function renderChart(chart: Chart, options: RenderOptions = {}): Rendered {
  let values = chart.values;
  for (const file of options.valuesFiles ?? []) values = mergeValues(values, (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Dict);
  if (options.set) values = mergeValues(values, options.set);

  const chartName = String(chart.metadata.name);
  const renderer = new Renderer({ strict: options.strict ?? true });
  const sources = new Map(chart.templates);
  for (const [path, source] of options.templateOverrides ?? []) sources.set(path, source);
  for (const [path, source] of sources) renderer.add(`${chartName}/${path}`, source);

  const top = {
    Values: values,
    Chart: chartObject(chart.metadata),
    Release: {
      Name: options.releaseName ?? 'chat-platform',
      Namespace: options.namespace ?? 'chat',
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1n,
    },
    Capabilities: { [STRUCT]: true },
  };

  const manifests: Manifest[] = [];
  let notes = '';
  for (const path of sources.keys()) {
    const file = basename(path);
    if (file.startsWith('_')) continue;
    const name = `${chartName}/${path}`;
    const data = { ...top, Template: { [STRUCT]: true, Name: name, BasePath: `${chartName}/templates` } };
    const output = renderer.render(name, data);
    if (file === 'NOTES.txt') {
      notes = output;
      continue;
    }
    for (const text of splitManifests(output)) {
      const object = parseManifest(text, path);
      // A document of comments alone is dropped, as Helm drops it.
      if (Object.keys(object).length === 0) continue;
      manifests.push({ source: path, text, object });
    }
  }
  return { values, manifests, notes };
}
