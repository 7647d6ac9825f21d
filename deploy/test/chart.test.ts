/**
 * The Kubernetes delivery, checked without a cluster or a helm binary: the chart is rendered
 * (go-template.ts, helm-chart.ts) with each values file and the manifests are checked for what
 * the services need to run (API.md "Operating") and what the platform promises operators:
 * every variable a service's config requires, probes, resources, locked-down security contexts,
 * migrations once per release, secrets from Secrets, NetworkPolicies, the gateway's autoscaler,
 * disruption budget and ingress, never DEV_AUTH, and the images skaffold builds being the images
 * the chart runs. Each check returns the problems it finds; the last tests break the chart on
 * purpose and show the checks notice.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseDocument, isMap, isPair, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { formatFloat, printValue, Renderer, TemplateError, toYaml } from './go-template.ts';
import { loadChart, renderChart, type Dict, type Manifest, type Rendered, type RenderOptions } from './helm-chart.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHART_DIR = join(ROOT, 'deploy/helm/chat-platform');
const chart = loadChart(CHART_DIR);

const SERVICES = ['channels', 'messaging', 'tickets', 'gateway'] as const;
type Service = (typeof SERVICES)[number];
const DATA_SERVICES = ['channels', 'messaging', 'tickets'] as const;
/** Where each service's code lives (the gateway's folder is `realtime-gateway`). */
const SERVICE_DIR: Record<Service, string> = { channels: 'channels', messaging: 'messaging', tickets: 'tickets', gateway: 'realtime-gateway' };

// What each service's config requires (API.md "Operating"; libs/config, libs/service-runtime,
// services/realtime-gateway/src/config.ts). The token key is one of three, so all three are wired.
const JWT_VARIABLES = ['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE'];
const JWT_KEY_VARIABLES = ['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_JWKS_URL'];
const COMMON_ENV = ['PORT', 'LOG_LEVEL', 'AMQP_URL', 'EVENTS_EXCHANGE', ...JWT_VARIABLES];
const REQUIRED_ENV: Record<Service, string[]> = {
  channels: [...COMMON_ENV, 'DATABASE_URL', 'MIGRATE'],
  messaging: [...COMMON_ENV, 'DATABASE_URL', 'MIGRATE', 'CHANNELS_URL'],
  tickets: [...COMMON_ENV, 'DATABASE_URL', 'MIGRATE', 'CHANNELS_URL'],
  gateway: [...COMMON_ENV, 'REDIS_URL', 'CHANNELS_URL', 'MESSAGING_URL', 'TICKETS_URL', 'RATE_LIMIT_USER', 'RATE_LIMIT_TENANT'],
};
/** `node services/<name>/src/migrate.ts` reads these. */
const MIGRATION_ENV = ['DATABASE_URL', 'LOG_LEVEL'];
/** Connection strings and token settings: only ever from a Secret. */
const SECRET_ENV = new Set(['DATABASE_URL', 'AMQP_URL', 'REDIS_URL', ...JWT_VARIABLES]);
/** Which service each `*_URL` variable must point at. */
const SERVICE_URL_ENV: Record<string, Service> = { CHANNELS_URL: 'channels', MESSAGING_URL: 'messaging', TICKETS_URL: 'tickets' };
/** Who may call whom (ARCHITECTURE.md): the gateway calls all three, messaging and tickets call channels. */
const CALLERS: Record<Service, Service[]> = { channels: ['gateway', 'messaging', 'tickets'], messaging: ['gateway'], tickets: ['gateway'], gateway: [] };
const CALLS: Record<Service, Service[]> = { channels: [], messaging: ['channels'], tickets: ['channels'], gateway: ['channels', 'messaging', 'tickets'] };
/** A service's own shutdown: a 10 s drain within a 20 s hard limit (libs/http-kit serve.ts). */
const SHUTDOWN_HARD_LIMIT_SECONDS = 20;
const STANDARD_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
  'helm.sh/chart',
];

const VALUES_FILES = {
  dev: join(CHART_DIR, 'values-dev.yaml'),
  external: join(CHART_DIR, 'ci/external-values.yaml'),
  existingSecrets: join(CHART_DIR, 'ci/existing-secrets-values.yaml'),
};

// ---------------------------------------------------------------------------------------------
// Reading manifests.

type Container = Dict & { name: string; env?: Dict[]; ports?: Dict[] };

function at(object: unknown, ...path: (string | number)[]): unknown {
  let value = object;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function kinds(rendered: Rendered, kind: string): Manifest[] {
  return rendered.manifests.filter((manifest) => manifest.object.kind === kind);
}

function component(manifest: Manifest): string | undefined {
  return at(manifest.object, 'metadata', 'labels', 'app.kubernetes.io/component') as string | undefined;
}

function name(manifest: Manifest): string {
  return String(at(manifest.object, 'metadata', 'name'));
}

function findOne(rendered: Rendered, kind: string, ofComponent: string): Manifest | undefined {
  return kinds(rendered, kind).find((manifest) => component(manifest) === ofComponent);
}

function isHook(manifest: Manifest): boolean {
  return at(manifest.object, 'metadata', 'annotations', 'helm.sh/hook') !== undefined;
}

function podSpec(manifest: Manifest): Dict {
  return (at(manifest.object, 'spec', 'template', 'spec') ?? {}) as Dict;
}

function containers(manifest: Manifest): Container[] {
  return (podSpec(manifest).containers ?? []) as Container[];
}

function envOf(container: Container): Map<string, Dict> {
  return new Map((container.env ?? []).map((entry) => [String(entry.name), entry]));
}

/** The key set of every Secret the release makes, by name (hooks included, flagged). */
function secrets(rendered: Rendered): Map<string, { keys: Set<string>; hook: boolean; weight: number; data: Dict }> {
  const out = new Map<string, { keys: Set<string>; hook: boolean; weight: number; data: Dict }>();
  for (const manifest of kinds(rendered, 'Secret')) {
    const data = { ...((manifest.object.data ?? {}) as Dict), ...((manifest.object.stringData ?? {}) as Dict) };
    out.set(name(manifest), {
      keys: new Set(Object.keys(data)),
      hook: isHook(manifest),
      weight: Number(at(manifest.object, 'metadata', 'annotations', 'helm.sh/hook-weight') ?? 0),
      data,
    });
  }
  return out;
}

function decode(value: unknown): string {
  return Buffer.from(String(value), 'base64').toString('utf8');
}

/** The Secrets the values name as existing ones (made outside the chart). */
function existingSecrets(values: Dict): Set<string> {
  return new Set(
    ['jwt', 'postgresql', 'rabbitmq', 'redis']
      .map((concern) => at(values, concern, 'existingSecret'))
      .filter((secret): secret is string => typeof secret === 'string' && secret !== ''),
  );
}

function render(options: RenderOptions = {}): Rendered {
  return renderChart(chart, options);
}

const renderWith = (file: string, extra: RenderOptions = {}) => render({ ...extra, valuesFiles: [file, ...(extra.valuesFiles ?? [])] });

// ---------------------------------------------------------------------------------------------
// Checks: each returns the problems it finds.

/** Every variable a service requires is set, from the right source, pointing at the right place. */
function envProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  const madeSecrets = secrets(rendered);
  const outside = existingSecrets(rendered.values);
  for (const service of SERVICES) {
    const deployment = findOne(rendered, 'Deployment', service);
    if (!deployment) {
      problems.push(`${service}: no Deployment`);
      continue;
    }
    const container = containers(deployment)[0];
    if (!container) {
      problems.push(`${service}: no container`);
      continue;
    }
    const env = envOf(container);
    for (const variable of REQUIRED_ENV[service]) {
      const entry = env.get(variable);
      if (!entry) {
        problems.push(`${service}: ${variable} is not set`);
        continue;
      }
      const ref = at(entry, 'valueFrom', 'secretKeyRef') as Dict | undefined;
      if (SECRET_ENV.has(variable)) {
        if (!ref) {
          problems.push(`${service}: ${variable} must come from a Secret`);
          continue;
        }
        const secret = madeSecrets.get(String(ref.name));
        if (outside.has(String(ref.name))) continue;
        if (!secret || secret.hook) problems.push(`${service}: ${variable} reads Secret ${String(ref.name)}, which the release does not make`);
        else if (!secret.keys.has(String(ref.key)) && ref.optional !== true) problems.push(`${service}: ${variable} reads key ${String(ref.key)}, missing from ${String(ref.name)}`);
      } else if (typeof entry.value !== 'string' || entry.value === '') {
        problems.push(`${service}: ${variable} has no value`);
      }
    }
    // Exactly one token key must reach the service, the others staying unset (what an existing
    // Secret holds is the operator's to get right).
    const keyRefs = JWT_KEY_VARIABLES.map((variable) => ({ variable, ref: at(env.get(variable), 'valueFrom', 'secretKeyRef') as Dict | undefined }));
    if (!keyRefs.some(({ ref }) => ref && outside.has(String(ref.name)))) {
      const keySources = keyRefs.filter(({ ref }) => ref && madeSecrets.get(String(ref.name))?.keys.has(String(ref.key))).map(({ variable }) => variable);
      if (keySources.length !== 1) problems.push(`${service}: ${keySources.length} token key sources reach it (${keySources.join(', ')}), not exactly one`);
    }
    if (DATA_SERVICES.includes(service as (typeof DATA_SERVICES)[number]) && env.get('MIGRATE')?.value !== '0') {
      problems.push(`${service}: MIGRATE must be "0" (migrations run once per release, in a Job)`);
    }
    const port = at(container, 'ports', 0, 'containerPort');
    if (env.get('PORT')?.value !== String(port)) problems.push(`${service}: PORT ${String(env.get('PORT')?.value)} is not the container port ${String(port)}`);
    for (const [variable, target] of Object.entries(SERVICE_URL_ENV)) {
      const entry = env.get(variable);
      if (!entry) continue;
      const targetService = findOne(rendered, 'Service', target);
      const expected = targetService ? `http://${name(targetService)}:${String(at(targetService.object, 'spec', 'ports', 0, 'port'))}` : '(no Service)';
      if (entry.value !== expected) problems.push(`${service}: ${variable} is ${String(entry.value)}, not ${expected}`);
    }
  }
  return problems;
}

/** No container of the release has DEV_AUTH, and no template writes it as a variable. */
function devAuthProblems(rendered: Rendered, templates: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const manifest of rendered.manifests) {
    for (const container of [...containers(manifest), ...((podSpec(manifest).initContainers ?? []) as Container[])]) {
      if (envOf(container).has('DEV_AUTH')) problems.push(`${manifest.source}: ${container.name} sets DEV_AUTH`);
    }
  }
  for (const [path, source] of templates) {
    if (/name:\s*["']?DEV_AUTH\b/.test(source)) problems.push(`${path}: writes a DEV_AUTH variable`);
  }
  return problems;
}

/** Probes, resources, security contexts, labels and shutdown timing of every service pod. */
function podProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  for (const service of SERVICES) {
    const deployment = findOne(rendered, 'Deployment', service);
    if (!deployment) {
      problems.push(`${service}: no Deployment`);
      continue;
    }
    const spec = podSpec(deployment);
    const container = containers(deployment)[0]!;
    const portNames = new Set((container.ports ?? []).map((port) => port.name));
    for (const [probe, path] of [
      ['readinessProbe', '/readyz'],
      ['livenessProbe', '/healthz'],
    ] as const) {
      const get = at(container, probe, 'httpGet') as Dict | undefined;
      if (!get) problems.push(`${service}: no ${probe}`);
      else {
        if (get.path !== path) problems.push(`${service}: ${probe} checks ${String(get.path)}, not ${path}`);
        if (!portNames.has(get.port) && !(container.ports ?? []).some((port) => port.containerPort === get.port)) problems.push(`${service}: ${probe} uses port ${String(get.port)}, which the container does not open`);
      }
    }
    const resources = (container.resources ?? {}) as Dict;
    for (const path of [
      ['requests', 'cpu'],
      ['requests', 'memory'],
      ['limits', 'memory'],
    ]) {
      if (at(resources, ...path) === undefined) problems.push(`${service}: no resources.${path.join('.')}`);
    }
    const pod = (spec.securityContext ?? {}) as Dict;
    const own = (container.securityContext ?? {}) as Dict;
    if (!(pod.runAsNonRoot === true || own.runAsNonRoot === true)) problems.push(`${service}: not runAsNonRoot`);
    if (!(at(pod, 'seccompProfile', 'type') === 'RuntimeDefault' || at(own, 'seccompProfile', 'type') === 'RuntimeDefault')) problems.push(`${service}: seccomp profile is not RuntimeDefault`);
    if (own.allowPrivilegeEscalation !== false) problems.push(`${service}: allowPrivilegeEscalation is not false`);
    if (own.readOnlyRootFilesystem !== true) problems.push(`${service}: root filesystem is not read-only`);
    if (!((at(own, 'capabilities', 'drop') ?? []) as string[]).includes('ALL')) problems.push(`${service}: capabilities are not all dropped`);
    const userId = Number(own.runAsUser ?? pod.runAsUser);
    if (userId !== 10001) problems.push(`${service}: runs as uid ${userId}, not the image's 10001`);
    const sleep = at(container, 'lifecycle', 'preStop', 'exec', 'command') as string[] | undefined;
    const sleepSeconds = sleep?.[0] === 'sleep' ? Number(sleep[1]) : 0;
    if (service === 'gateway' && !(sleepSeconds > 0)) problems.push('gateway: no preStop sleep before SIGTERM');
    const grace = Number(spec.terminationGracePeriodSeconds ?? 30);
    if (!(grace > sleepSeconds + SHUTDOWN_HARD_LIMIT_SECONDS)) problems.push(`${service}: terminationGracePeriodSeconds ${grace} is not longer than the preStop pause (${sleepSeconds}s) plus the shutdown (${SHUTDOWN_HARD_LIMIT_SECONDS}s)`);
    const selector = (at(deployment.object, 'spec', 'selector', 'matchLabels') ?? {}) as Dict;
    const podLabels = (at(deployment.object, 'spec', 'template', 'metadata', 'labels') ?? {}) as Dict;
    for (const [key, value] of Object.entries(selector)) if (podLabels[key] !== value) problems.push(`${service}: pod labels do not match the selector on ${key}`);
    if (selector['app.kubernetes.io/component'] !== service) problems.push(`${service}: the selector does not name the component`);
  }
  for (const manifest of rendered.manifests) {
    const labels = (at(manifest.object, 'metadata', 'labels') ?? {}) as Dict;
    for (const label of STANDARD_LABELS) if (!labels[label]) problems.push(`${manifest.source}: ${String(manifest.object.kind)} ${name(manifest)} has no ${label} label`);
  }
  return problems;
}

/** One migration Job per data service, as a hook, before the pods change, on the service's image. */
function migrationProblems(rendered: Rendered, expectedEvents: string): string[] {
  const problems: string[] = [];
  const madeSecrets = secrets(rendered);
  const outside = existingSecrets(rendered.values);
  for (const service of DATA_SERVICES) {
    const job = findOne(rendered, 'Job', `${service}-migrate`);
    if (!job) {
      problems.push(`${service}: no migration Job`);
      continue;
    }
    const annotations = (at(job.object, 'metadata', 'annotations') ?? {}) as Dict;
    if (annotations['helm.sh/hook'] !== expectedEvents) problems.push(`${service}: migration hook runs on ${String(annotations['helm.sh/hook'])}, not ${expectedEvents}`);
    if (!String(annotations['helm.sh/hook-delete-policy'] ?? '').includes('before-hook-creation')) problems.push(`${service}: migration Job has no hook-delete-policy replacing the last one`);
    const container = containers(job)[0]!;
    const command = (container.command ?? []) as string[];
    const script = `services/${SERVICE_DIR[service]}/src/migrate.ts`;
    if (command.join(' ') !== `node ${script}`) problems.push(`${service}: migration command is ${command.join(' ')}`);
    if (!existsSync(join(ROOT, script))) problems.push(`${service}: ${script} does not exist`);
    const deployment = findOne(rendered, 'Deployment', service);
    if (deployment && container.image !== containers(deployment)[0]?.image) problems.push(`${service}: migration image ${String(container.image)} is not the service's`);
    const env = envOf(container);
    for (const variable of MIGRATION_ENV) if (!env.has(variable)) problems.push(`${service}: migration Job has no ${variable}`);
    const ref = at(env.get('DATABASE_URL'), 'valueFrom', 'secretKeyRef') as Dict | undefined;
    if (!ref) problems.push(`${service}: migration DATABASE_URL is not from a Secret`);
    else if (!outside.has(String(ref.name))) {
      // Hooks run before the release's own resources exist: the Secret must be a hook made earlier.
      const secret = madeSecrets.get(String(ref.name));
      const jobWeight = Number(annotations['helm.sh/hook-weight'] ?? 0);
      if (!secret?.hook || secret.weight >= jobWeight || !secret.keys.has(String(ref.key))) problems.push(`${service}: migration Secret ${String(ref.name)} is not a hook made before the Job with key ${String(ref.key)}`);
    }
    if (at(podSpec(job), 'serviceAccountName') === at(podSpec(deployment ?? job), 'serviceAccountName') && at(rendered.values, 'serviceAccount', 'create') === true && at(podSpec(job), 'serviceAccountName') !== undefined) {
      problems.push(`${service}: migration Job uses the chart's ServiceAccount, which does not exist yet when hooks run`);
    }
    if (at(containers(job)[0], 'securityContext', 'readOnlyRootFilesystem') !== true) problems.push(`${service}: migration container is not locked down`);
  }
  return problems;
}

/** The gateway scales and survives disruptions; the HPA and PDB aim at it. */
function gatewayProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  const deployment = findOne(rendered, 'Deployment', 'gateway');
  const hpa = findOne(rendered, 'HorizontalPodAutoscaler', 'gateway');
  const pdb = findOne(rendered, 'PodDisruptionBudget', 'gateway');
  if (!deployment) return ['gateway: no Deployment'];
  const gatewayValues = rendered.values.gateway as Dict;
  if (at(gatewayValues, 'autoscaling', 'enabled') === true) {
    if (!hpa) problems.push('gateway: no HorizontalPodAutoscaler');
    else if (at(hpa.object, 'spec', 'scaleTargetRef', 'name') !== name(deployment)) problems.push('gateway: the autoscaler aims at another Deployment');
    if (at(deployment.object, 'spec', 'replicas') !== undefined) problems.push('gateway: replicas are set although the autoscaler owns them');
  }
  if (at(gatewayValues, 'podDisruptionBudget', 'enabled') === true) {
    if (!pdb) problems.push('gateway: no PodDisruptionBudget');
    else {
      const selector = (at(pdb.object, 'spec', 'selector', 'matchLabels') ?? {}) as Dict;
      const podLabels = (at(deployment.object, 'spec', 'template', 'metadata', 'labels') ?? {}) as Dict;
      if (Object.keys(selector).length === 0 || Object.entries(selector).some(([key, value]) => podLabels[key] !== value)) problems.push('gateway: the disruption budget does not select the gateway pods');
    }
  }
  return problems;
}

/** Components whose pods a list of NetworkPolicy peers selects (peers without a podSelector are outside ones). */
function peerComponents(peers: Dict[]): { components: string[]; outside: Dict[] } {
  const components: string[] = [];
  const outside: Dict[] = [];
  for (const peer of peers) {
    const selected = at(peer, 'podSelector', 'matchLabels', 'app.kubernetes.io/component');
    if (typeof selected === 'string' && peer.namespaceSelector === undefined) components.push(selected);
    else outside.push(peer);
  }
  return { components: components.sort(), outside };
}

/** Only the gateway is reachable from outside; each service accepts exactly its callers and reaches exactly what it calls. */
function networkPolicyProblems(rendered: Rendered): string[] {
  const problems: string[] = [];
  const policyValues = rendered.values.networkPolicy as Dict;
  const allowedOutside = [...((policyValues.gatewayFrom ?? []) as Dict[]), ...((policyValues.metricsFrom ?? []) as Dict[])].map((peer) => JSON.stringify(peer));
  for (const service of SERVICES) {
    const policy = findOne(rendered, 'NetworkPolicy', service);
    if (!policy) {
      problems.push(`${service}: no NetworkPolicy`);
      continue;
    }
    const spec = policy.object.spec as Dict;
    if (at(spec, 'podSelector', 'matchLabels', 'app.kubernetes.io/component') !== service) problems.push(`${service}: its NetworkPolicy selects other pods`);
    const types = (spec.policyTypes ?? []) as string[];
    if (!types.includes('Ingress') || !types.includes('Egress')) problems.push(`${service}: its NetworkPolicy does not restrict both directions`);
    const ingress = (spec.ingress ?? []) as Dict[];
    const callers = new Set<string>();
    for (const rule of ingress) {
      if (!rule.from) problems.push(`${service}: an ingress rule admits every source`);
      const { components, outside } = peerComponents((rule.from ?? []) as Dict[]);
      components.forEach((caller) => callers.add(caller));
      for (const peer of outside) {
        if (!allowedOutside.includes(JSON.stringify(peer))) problems.push(`${service}: admits ${JSON.stringify(peer)} from outside the release`);
        if (service !== 'gateway' && ((policyValues.gatewayFrom ?? []) as Dict[]).some((gatewayPeer) => JSON.stringify(gatewayPeer) === JSON.stringify(peer))) {
          problems.push(`${service}: admits the ingress controller, which may reach the gateway only`);
        }
      }
    }
    const expectedCallers = [...CALLERS[service]].sort();
    if (JSON.stringify([...callers].sort()) !== JSON.stringify(expectedCallers)) problems.push(`${service}: admits calls from [${[...callers].sort().join(', ')}], expected [${expectedCallers.join(', ')}]`);
    if (service === 'gateway' && !ingress.some((rule) => peerComponents((rule.from ?? []) as Dict[]).outside.length > 0)) problems.push('gateway: the ingress controller cannot reach it');
    const egress = (spec.egress ?? []) as Dict[];
    const called = new Set<string>();
    for (const rule of egress) peerComponents((rule.to ?? []) as Dict[]).components.forEach((callee) => called.add(callee));
    const expectedCalls = [...CALLS[service]].sort();
    if (JSON.stringify([...called].sort()) !== JSON.stringify(expectedCalls)) problems.push(`${service}: may call [${[...called].sort().join(', ')}], expected [${expectedCalls.join(', ')}]`);
    const egressPorts = new Set(egress.flatMap((rule) => ((rule.ports ?? []) as Dict[]).map((port) => Number(port.port))));
    const stores = service === 'gateway' ? ['rabbitmq', 'redis'] : ['postgresql', 'rabbitmq'];
    for (const store of stores) {
      for (const port of (at(policyValues, 'dataStores', store, 'ports') ?? []) as number[]) if (!egressPorts.has(port)) problems.push(`${service}: cannot reach ${store} on port ${port}`);
    }
    if (!egressPorts.has(53)) problems.push(`${service}: cannot resolve names (DNS, port 53)`);
  }
  return problems;
}

/** The Ingress carries WebSockets with long timeouts, and is sticky only when polling is allowed. */
function ingressProblems(rendered: Rendered): string[] {
  const ingress = kinds(rendered, 'Ingress')[0];
  if (!ingress) return ['no Ingress'];
  const problems: string[] = [];
  const annotations = (at(ingress.object, 'metadata', 'annotations') ?? {}) as Dict;
  for (const key of ['nginx.ingress.kubernetes.io/proxy-read-timeout', 'nginx.ingress.kubernetes.io/proxy-send-timeout']) {
    if (annotations[key] !== '3600') problems.push(`${key} is ${String(annotations[key])}, not "3600"`);
  }
  const sticky = annotations['nginx.ingress.kubernetes.io/affinity'] === 'cookie';
  const polling = at(rendered.values, 'gateway', 'allowPolling') === true;
  if (sticky !== polling) problems.push(polling ? 'polling is allowed but the Ingress is not sticky' : 'the Ingress is sticky although clients use WebSockets only');
  const gatewayService = findOne(rendered, 'Service', 'gateway');
  for (const rule of (at(ingress.object, 'spec', 'rules') ?? []) as Dict[]) {
    for (const path of (at(rule, 'http', 'paths') ?? []) as Dict[]) {
      if (at(path, 'backend', 'service', 'name') !== (gatewayService && name(gatewayService))) problems.push(`the Ingress routes ${String(path.path)} elsewhere than the gateway`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The skaffold side.

interface SkaffoldArtifact {
  image: string;
  docker?: { dockerfile?: string; target?: string };
}

const skaffold = parseYaml(readFileSync(join(ROOT, 'skaffold.yaml'), 'utf8')) as Dict;
const artifacts = at(skaffold, 'build', 'artifacts') as SkaffoldArtifact[];
const release = (at(skaffold, 'deploy', 'helm', 'releases') as Dict[])[0]!;
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
/** Dockerfile target to the service it builds. */
const TARGETS: Record<string, Service> = { channels: 'channels', messaging: 'messaging', tickets: 'tickets', 'realtime-gateway': 'gateway' };

/** skaffold's template variables name an artifact with `/`, `-`, `.` and `:` as `_`. */
function sanitize(image: string): string {
  return image.replace(/[/\-.:]/g, '_');
}

/** What skaffold passes with `--set` after a local build: repository, and tag with an empty digest (the trailing `@` dropped). */
function skaffoldSetValues(tag: string): Dict {
  const variables: Record<string, string> = {};
  for (const artifact of artifacts) {
    const key = sanitize(artifact.image);
    variables[`IMAGE_REPO_${key}`] = artifact.image;
    variables[`IMAGE_TAG_${key}`] = tag;
    variables[`IMAGE_DIGEST_${key}`] = '';
  }
  const set: Dict = {};
  for (const [path, template] of Object.entries((release.setValueTemplates ?? {}) as Record<string, string>)) {
    const value = template
      .replace(/\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}/g, (_match, variable: string) => {
        if (!(variable in variables)) throw new Error(`skaffold.yaml: ${template} names ${variable}, which no artifact provides`);
        return variables[variable]!;
      })
      .replace(/@$/, '');
    const keys = path.split('.');
    let node = set;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Dict;
    node[keys.at(-1)!] = value;
  }
  return set;
}

/** Each service's Deployment (and migration Job) runs the image skaffold built for its target. */
function imageProblems(rendered: Rendered, tag: string): string[] {
  const problems: string[] = [];
  for (const artifact of artifacts) {
    const service = TARGETS[artifact.docker?.target ?? ''];
    if (!service) {
      problems.push(`${artifact.image}: built from target ${String(artifact.docker?.target)}, which is no service's`);
      continue;
    }
    const expected = `${artifact.image}:${tag}`;
    const workloads = [findOne(rendered, 'Deployment', service), ...(service === 'gateway' ? [] : [findOne(rendered, 'Job', `${service}-migrate`)])];
    for (const workload of workloads) {
      const image = workload && containers(workload)[0]?.image;
      if (image !== expected) problems.push(`${service}: ${workload ? String(workload.object.kind) : 'workload'} runs ${String(image)}, not ${expected}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

describe('plain YAML files', () => {
  test('Chart.yaml, skaffold.yaml and every values file parse', () => {
    const files = [
      join(CHART_DIR, 'Chart.yaml'),
      join(CHART_DIR, 'values.yaml'),
      ...Object.values(VALUES_FILES),
      join(ROOT, 'skaffold.yaml'),
      ...[...chart.templates.keys()].filter((path) => !chart.templates.get(path)!.includes('{{')).map((path) => join(CHART_DIR, path)),
    ];
    for (const file of files) {
      const doc = parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: true });
      assert.deepEqual(doc.errors.map((error) => error.message), [], file);
    }
    const metadata = chart.metadata;
    assert.equal(metadata.apiVersion, 'v2');
    assert.equal(metadata.name, 'chat-platform');
    assert.match(String(metadata.version), /^\d+\.\d+\.\d+/);
  });

  test('values.yaml documents every key (Kubernetes objects passed through are documented as a whole)', () => {
    const doc = parseDocument(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'));
    const undocumented: string[] = [];
    const walk = (node: YamlNode | null | undefined, path: string[]) => {
      if (!isMap(node)) return;
      node.items.forEach((pair, index) => {
        if (!isPair(pair) || !isScalar(pair.key)) return;
        const here = [...path, String(pair.key.value)];
        const value = pair.value as (YamlNode & { comment?: string | null }) | null;
        // The comment above a map's first key belongs to the map (or the document) in this parser.
        const above = pair.key.commentBefore ?? (index === 0 ? (node.commentBefore ?? (path.length === 0 ? doc.commentBefore : null)) : null);
        if (!above && !value?.comment) undocumented.push(here.join('.'));
        if (!above?.includes('Passed to Kubernetes as it is') && !isSeq(value)) walk(value, here);
      });
    };
    walk(doc.contents as YamlNode, []);
    assert.deepEqual(undocumented, []);
  });

  test('values.schema.json accepts every values file and refuses a wrong type', () => {
    const schema = z.fromJSONSchema(JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')));
    for (const file of [undefined, ...Object.values(VALUES_FILES)]) {
      const { values } = render({
        valuesFiles: file ? [file] : [],
        set: file ? {} : { jwt: { secret: 'x' }, postgresql: { urls: { channels: 'postgres://h/c', messaging: 'postgres://h/m', tickets: 'postgres://h/t' } }, rabbitmq: { url: 'amqp://h' }, redis: { url: 'redis://h' } },
      });
      const result = schema.safeParse(values);
      assert.ok(result.success, `${file ?? 'values.yaml'}: ${JSON.stringify(result.error?.issues)}`);
    }
    const wrong = schema.safeParse({ ...chart.values, gateway: { ...(chart.values.gateway as Dict), replicaCount: 'two' } });
    assert.equal(wrong.success, false);
    const typo = schema.safeParse({ ...chart.values, gatway: {} });
    assert.equal(typo.success, false);
    const negative = schema.safeParse({ ...chart.values, gateway: { ...(chart.values.gateway as Dict), rateLimit: { perUser: -1, perTenant: 0 } } });
    assert.equal(negative.success, false);
  });
});

describe('the chart on external data stores (ci/external-values.yaml)', () => {
  const rendered = renderWith(VALUES_FILES.external);

  test('every service gets every variable its config requires, secrets from Secrets', () => {
    assert.deepEqual(envProblems(rendered), []);
  });

  test('every service has probes, resources and a locked-down security context', () => {
    assert.deepEqual(podProblems(rendered), []);
  });

  test('migrations run once per release, before install and upgrade, as hook Jobs', () => {
    assert.deepEqual(migrationProblems(rendered, 'pre-install,pre-upgrade'), []);
  });

  test('the gateway has its autoscaler and disruption budget', () => {
    assert.deepEqual(gatewayProblems(rendered), []);
  });

  test('NetworkPolicies: only the gateway from outside, channels also from messaging and tickets', () => {
    assert.deepEqual(networkPolicyProblems(rendered), []);
  });

  test('the Ingress carries WebSockets and is sticky because polling is allowed here', () => {
    assert.equal(at(rendered.values, 'gateway', 'allowPolling'), true);
    assert.deepEqual(ingressProblems(rendered), []);
  });

  test('connection strings and token settings are in the Secrets as given', () => {
    const made = secrets(rendered);
    assert.equal(decode(made.get('chat-platform-database')?.data.tickets), 'postgres://chat:secret@db.example.com:5432/chat_tickets');
    assert.equal(decode(made.get('chat-platform-rabbitmq')?.data.url), 'amqps://chat:secret@mq.example.com:5671/chat');
    assert.equal(decode(made.get('chat-platform-redis')?.data.url), 'rediss://:secret@redis.example.com:6380/0');
    assert.deepEqual([...made.get('chat-platform-jwt')!.keys].sort(), ['JWT_AUDIENCE', 'JWT_ISSUER', 'JWT_PUBLIC_KEY']);
    const gateway = envOf(containers(findOne(rendered, 'Deployment', 'gateway')!)[0]!);
    assert.equal(gateway.get('CORS_ORIGINS')?.value, 'https://app.example.com,https://admin.example.com');
    assert.equal(containers(findOne(rendered, 'Deployment', 'channels')!)[0]!.image, 'ghcr.io/example/chat-platform/channels:1.2.3');
  });

  test('a ServiceMonitor scrapes /metrics of the four services', () => {
    const monitor = kinds(rendered, 'ServiceMonitor')[0];
    assert.ok(monitor);
    assert.deepEqual(at(monitor.object, 'spec', 'endpoints', 0, 'path'), '/metrics');
    assert.deepEqual(at(monitor.object, 'spec', 'selector', 'matchExpressions', 0, 'values'), [...SERVICES]);
    for (const service of SERVICES) assert.equal(at(findOne(rendered, 'Service', service)!.object, 'spec', 'ports', 0, 'name'), at(monitor.object, 'spec', 'endpoints', 0, 'port'));
  });

  test('no template sets DEV_AUTH', () => {
    assert.deepEqual(devAuthProblems(rendered, chart.templates), []);
  });
});

describe('the chart with existing Secrets (ci/existing-secrets-values.yaml)', () => {
  const rendered = renderWith(VALUES_FILES.existingSecrets);

  test('makes no Secret and reads the named ones with the given keys', () => {
    assert.deepEqual(kinds(rendered, 'Secret').map(name), []);
    assert.deepEqual(envProblems(rendered), []);
    const channels = envOf(containers(findOne(rendered, 'Deployment', 'channels')!)[0]!);
    assert.deepEqual(at(channels.get('DATABASE_URL'), 'valueFrom', 'secretKeyRef'), { name: 'chat-databases', key: 'CHANNELS_DATABASE_URL' });
    assert.deepEqual(at(channels.get('AMQP_URL'), 'valueFrom', 'secretKeyRef'), { name: 'chat-rabbitmq', key: 'AMQP_URL' });
    const job = containers(findOne(rendered, 'Job', 'tickets-migrate')!)[0]!;
    assert.deepEqual(at(envOf(job).get('DATABASE_URL'), 'valueFrom', 'secretKeyRef'), { name: 'chat-databases', key: 'TICKETS_DATABASE_URL' });
  });

  test('migrations and pods are as with chart-made Secrets; no NetworkPolicy when turned off', () => {
    assert.deepEqual(migrationProblems(rendered, 'pre-install,pre-upgrade'), []);
    assert.deepEqual(podProblems(rendered), []);
    assert.deepEqual(kinds(rendered, 'NetworkPolicy'), []);
    assert.equal(podSpec(findOne(rendered, 'Deployment', 'gateway')!).serviceAccountName, 'chat');
  });
});

describe('the chart with the development values (values-dev.yaml)', () => {
  const rendered = renderWith(VALUES_FILES.dev);

  test('runs PostgreSQL with the three databases, RabbitMQ and Redis, and points the services at them', () => {
    for (const store of ['dev-postgresql', 'dev-rabbitmq', 'dev-redis']) {
      assert.ok(findOne(rendered, 'Deployment', store), `${store} Deployment`);
      assert.ok(findOne(rendered, 'Service', store), `${store} Service`);
    }
    const init = String(Object.values((findOne(rendered, 'ConfigMap', 'dev-postgresql')!.object.data ?? {}) as Dict)[0]);
    const made = secrets(rendered);
    for (const service of DATA_SERVICES) {
      const url = new URL(decode(made.get('chat-platform-database')?.data[service]));
      assert.equal(url.hostname, name(findOne(rendered, 'Service', 'dev-postgresql')!));
      assert.match(init, new RegExp(`CREATE DATABASE ${url.pathname.slice(1)};`));
    }
    assert.equal(new URL(decode(made.get('chat-platform-rabbitmq')?.data.url)).hostname, name(findOne(rendered, 'Service', 'dev-rabbitmq')!));
    assert.equal(new URL(decode(made.get('chat-platform-redis')?.data.url)).hostname, name(findOne(rendered, 'Service', 'dev-redis')!));
  });

  test('every service still gets its variables, probes and security context; one replica each', () => {
    assert.deepEqual(envProblems(rendered), []);
    assert.deepEqual(podProblems(rendered), []);
    assert.deepEqual(networkPolicyProblems(rendered), []);
    for (const service of SERVICES) assert.equal(at(findOne(rendered, 'Deployment', service)!.object, 'spec', 'replicas'), 1);
    assert.equal(kinds(rendered, 'HorizontalPodAutoscaler').length, 0);
  });

  test('the first migration runs right after install (the stores are release resources), later ones before upgrade', () => {
    assert.deepEqual(migrationProblems(rendered, 'post-install,pre-upgrade'), []);
  });

  test('no template sets DEV_AUTH, in development either', () => {
    assert.deepEqual(devAuthProblems(rendered, chart.templates), []);
  });
});

describe('images: Dockerfile, skaffold and chart agree', () => {
  const targets = new Set([...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((match) => match[1]!));

  test('skaffold builds the four services from the Dockerfile targets', () => {
    assert.equal(skaffold.apiVersion, 'skaffold/v4beta11');
    assert.deepEqual(artifacts.map((artifact) => artifact.docker?.target).sort(), Object.keys(TARGETS).sort());
    for (const artifact of artifacts) {
      assert.ok(targets.has(artifact.docker!.target!), `Dockerfile has no target ${artifact.docker!.target}`);
      assert.equal(artifact.docker?.dockerfile ?? 'Dockerfile', 'Dockerfile');
    }
  });

  test('the images skaffold builds are the images the chart runs', () => {
    const set = skaffoldSetValues('dev-1');
    const rendered = render({ valuesFiles: [join(ROOT, String((release.valuesFiles as string[])[0]))], set });
    assert.deepEqual(imageProblems(rendered, 'dev-1'), []);
    // The chart's own defaults name the same images.
    for (const artifact of artifacts) {
      const service = TARGETS[artifact.docker!.target!]!;
      assert.equal(at(chart.values, service, 'image', 'repository'), artifact.image, `values.yaml ${service}.image.repository`);
    }
    assert.equal(String(release.chartPath), 'deploy/helm/chat-platform');
  });

  test('skaffold port-forwards the gateway Service to 8080', () => {
    const rendered = renderWith(join(ROOT, String((release.valuesFiles as string[])[0])), { releaseName: String(release.name) });
    const forward = (skaffold.portForward as Dict[])[0]!;
    const gateway = findOne(rendered, 'Service', 'gateway')!;
    assert.equal(String(forward.resourceType).toLowerCase(), 'service');
    assert.equal(forward.resourceName, name(gateway));
    assert.equal(forward.port, 8080);
    assert.equal(forward.localPort, 8080);
    assert.equal(at(gateway.object, 'spec', 'ports', 0, 'port'), 8080);
  });

  test('each target runs its service as uid 10001 in production mode; the gateway carries the console', () => {
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-slim$/m);
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /^ENV NODE_ENV=production$/m);
    assert.match(dockerfile, /^USER 10001:10001$/m);
    const stages = dockerfile.split(/^FROM /m);
    for (const [target, service] of Object.entries(TARGETS)) {
      const stage = stages.find((text) => new RegExp(`^runtime AS ${target}\\s`).test(text));
      assert.ok(stage, `target ${target} builds on the runtime stage`);
      const main = `services/${SERVICE_DIR[service]}/src/main.ts`;
      assert.match(stage, new RegExp(`^CMD \\["node", "${main}"\\]$`, 'm'));
      assert.ok(existsSync(join(ROOT, main)), main);
      assert.match(stage, new RegExp(`^EXPOSE ${String(at(chart.values, service, 'port'))}$`, 'm'));
    }
    // Only the gateway needs the console build; the other images never wait for (or break on) it.
    const runtime = stages.find((text) => /^\$\{NODE_IMAGE\} AS runtime\s/.test(text))!;
    assert.doesNotMatch(runtime, /--from=build\b/);
    const gateway = stages.find((text) => text.startsWith('runtime AS realtime-gateway'))!;
    assert.match(gateway, /COPY --from=build \/app\/apps\/support-console\/dist \.\/console/);
    assert.match(gateway, /CONSOLE_DIR=\/app\/console/);
  });

  test('.dockerignore keeps dependencies, local data, git and build and test outputs out', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    for (const entry of ['**/node_modules', '**/.data', '.git', '**/dist', '**/coverage', '**/test-results']) assert.ok(ignored.includes(entry), entry);
  });
});

describe('values that cannot work stop the release', () => {
  const base = { postgresql: { urls: { channels: 'postgres://h/c', messaging: 'postgres://h/m', tickets: 'postgres://h/t' } }, rabbitmq: { url: 'amqp://h' }, redis: { url: 'redis://h' } };

  test('no token key, or two, is refused', () => {
    assert.throws(() => render({ set: base }), /exactly one of jwt.secret, jwt.publicKey or jwt.jwksUrl/);
    assert.throws(() => render({ set: { ...base, jwt: { secret: 'a', jwksUrl: 'https://id/jwks' } } }), /exactly one/);
    assert.doesNotThrow(() => render({ set: { ...base, jwt: { jwksUrl: 'https://id/jwks' } } }));
  });

  test('a missing connection string is refused by name', () => {
    assert.throws(() => render({ set: { jwt: { secret: 'a' }, rabbitmq: base.rabbitmq, redis: base.redis } }), /postgresql\.urls\.channels is required/);
    assert.throws(() => render({ set: { jwt: { secret: 'a' }, postgresql: base.postgresql, redis: base.redis } }), /rabbitmq\.url is required/);
  });

  test('DEV_AUTH through extraEnv is refused', () => {
    assert.throws(() => render({ set: { ...base, jwt: { secret: 'a' }, gateway: { extraEnv: [{ name: 'DEV_AUTH', value: '1' }] } } }), /DEV_AUTH/);
  });
});

describe('the checks notice a broken chart', () => {
  const external = { valuesFiles: [VALUES_FILES.external] };
  const replaced = (path: string, from: string | RegExp, to: string) => {
    const source = chart.templates.get(path)!;
    const changed = source.replace(from, to);
    assert.notEqual(changed, source, `${path} did not contain ${String(from)}`);
    return new Map([[path, changed]]);
  };

  test('a service without its database variable', () => {
    const rendered = render({ ...external, templateOverrides: replaced('templates/channels/_env.tpl', '{{ include "chat.env.database" . }}', '') });
    assert.deepEqual(envProblems(rendered), ['channels: DATABASE_URL is not set', 'channels: MIGRATE is not set', 'channels: MIGRATE must be "0" (migrations run once per release, in a Job)']);
  });

  test('a connection string as a plain value, and a service URL pointing elsewhere', () => {
    const plain = render({ ...external, templateOverrides: replaced('templates/gateway/_env.tpl', /- name: REDIS_URL\n {2}valueFrom:\n(?: {4,}.*\n)+/, '- name: REDIS_URL\n  value: redis://somewhere\n') });
    assert.deepEqual(envProblems(plain), ['gateway: REDIS_URL must come from a Secret']);
    const elsewhere = render({ ...external, templateOverrides: replaced('templates/tickets/_env.tpl', '"component" "channels"', '"component" "messaging"') });
    assert.deepEqual(envProblems(elsewhere), ['tickets: CHANNELS_URL is http://chat-platform-messaging:8082, not http://chat-platform-channels:8081']);
  });

  test('a pod without a readiness probe, writable root, or a short grace period', () => {
    const noProbe = render({ ...external, templateOverrides: replaced('templates/_workload.tpl', 'path: /readyz', 'path: /healthz') });
    assert.equal(podProblems(noProbe).filter((problem) => problem.includes('readinessProbe checks /healthz')).length, 4);
    const writable = render({ ...external, set: { securityContext: { readOnlyRootFilesystem: false } } });
    assert.ok(podProblems(writable).includes('gateway: root filesystem is not read-only'));
    const short = render({ ...external, set: { gateway: { terminationGracePeriodSeconds: 25 } } });
    assert.deepEqual(podProblems(short), ['gateway: terminationGracePeriodSeconds 25 is not longer than the preStop pause (10s) plus the shutdown (20s)']);
  });

  test('DEV_AUTH written into a template', () => {
    const overrides = replaced('templates/gateway/_env.tpl', '- name: RATE_LIMIT_USER', '- name: DEV_AUTH\n  value: "1"\n- name: RATE_LIMIT_USER');
    const rendered = render({ ...external, templateOverrides: overrides });
    assert.deepEqual(devAuthProblems(rendered, new Map([...chart.templates, ...overrides])), [
      'templates/gateway/workload.yaml: gateway sets DEV_AUTH',
      'templates/gateway/_env.tpl: writes a DEV_AUTH variable',
    ]);
  });

  test('messaging admitted to tickets, and migrations that run after the pods', () => {
    const open = render({ ...external, templateOverrides: replaced('templates/tickets/networkpolicy.yaml', '"callers" (list "gateway")', '"callers" (list "gateway" "messaging")') });
    assert.deepEqual(networkPolicyProblems(open), ['tickets: admits calls from [gateway, messaging], expected [gateway]']);
    const late = render({ ...external, templateOverrides: replaced('templates/_helpers.tpl', '{{ else }}pre-install,pre-upgrade{{ end }}', '{{ else }}post-install,post-upgrade{{ end }}') });
    assert.equal(migrationProblems(late, 'pre-install,pre-upgrade').filter((problem) => problem.includes('runs on post-install,post-upgrade')).length, 3);
  });

  test('an image skaffold builds that the chart does not run', () => {
    const set = skaffoldSetValues('dev-1');
    delete (set.messaging as Dict).image;
    const rendered = render({ valuesFiles: [VALUES_FILES.dev], set });
    assert.deepEqual(imageProblems(rendered, 'dev-1'), [
      'messaging: Deployment runs chat-platform/messaging:0.1.0, not chat-platform/messaging:dev-1',
      'messaging: Job runs chat-platform/messaging:0.1.0, not chat-platform/messaging:dev-1',
    ]);
  });
});

describe('the template engine follows Go and Helm', () => {
  const run = (source: string, data: unknown = {}) => {
    const renderer = new Renderer();
    renderer.add('t', source);
    return renderer.render('t', data);
  };

  test('trim markers, comments, variables and control structures', () => {
    assert.equal(run('a  {{- "b" -}}  c'), 'abc');
    assert.equal(run('x\n{{- /* gone */}}\ny'), 'x\ny');
    assert.equal(run('{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}'), '2');
    assert.equal(run('{{ range $i, $v := list "a" "b" }}{{ $i }}={{ $v }};{{ end }}'), '0=a;1=b;');
    assert.equal(run('{{ range $k, $v := .m }}{{ $k }}{{ $v }}{{ end }}', { m: { b: 2, a: 1 } }), 'a1b2');
    assert.equal(run('{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}', { b: true }), 'B');
    assert.equal(run('{{ with .v }}{{ . }}{{ else }}none{{ end }}', { v: '' }), 'none');
    assert.equal(run('{{ define "d" }}[{{ . }}]{{ end }}{{ include "d" "x" | nindent 2 }}'), '\n  [x]');
  });

  test('missing values print nothing, a field of nil is an error, quote drops nil', () => {
    assert.equal(run('<{{ .Values.missing }}>', { Values: {} }), '<>');
    assert.throws(() => run('{{ .Values.missing.deeper }}', { Values: {} }), /nil pointer evaluating interface \{\}\.deeper/);
    assert.equal(run('v: {{ .Values.missing | quote }}', { Values: {} }), 'v: ');
    assert.equal(run('{{ default "d" .Values.missing }}', { Values: {} }), 'd');
    const strict = new Renderer({ strict: true });
    strict.add('t', '{{ .Values.missing }}{{ index .Values "missing" }}');
    assert.throws(() => strict.render('t', { Values: {} }), /map has no entry for key "missing"/);
  });

  test('numbers print as Go prints float64, and eq refuses an int beside a float', () => {
    assert.equal(formatFloat(8081), '8081');
    assert.equal(formatFloat(1000000), '1e+06');
    assert.equal(formatFloat(0.00001), '1e-05');
    assert.equal(run('{{ .n }} {{ int .n }}', { n: 1000000 }), '1e+06 1000000');
    assert.throws(() => run('{{ eq .n 1 }}', { n: 1 }), /incompatible types for comparison/);
    assert.equal(run('{{ eq (int .n) 1 }}', { n: 1 }), 'true');
    assert.throws(() => run('{{ printf "%d" .n }}', { n: 1 }), /convert it with int/);
  });

  test('toYaml writes sorted keys, unindented lists and YAML 1.1 quoting', () => {
    assert.equal(toYaml({ b: ['x'], a: 'on' }), 'a: "on"\nb:\n- x');
    assert.equal(toYaml(null), 'null');
    assert.equal(toYaml({}), '{}');
    assert.equal(printValue([1n, 'a']), '[1 a]');
  });

  test('an unknown function is an error, not a silent pass', () => {
    assert.throws(() => run('{{ lookup "v1" "Secret" "ns" "x" }}'), TemplateError);
  });
});

test('every template file is rendered by at least one of the values files', () => {
  const seen = new Set<string>();
  for (const file of Object.values(VALUES_FILES)) for (const manifest of renderWith(file).manifests) seen.add(manifest.source);
  const renderable = [...chart.templates.keys()].filter((path) => !path.split('/').at(-1)!.startsWith('_') && !path.endsWith('NOTES.txt') && path !== 'templates/validate.yaml');
  assert.deepEqual(renderable.filter((path) => !seen.has(path)), []);
  assert.ok(readdirSync(join(CHART_DIR, 'templates')).includes('NOTES.txt'));
});
