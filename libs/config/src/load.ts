import type { z } from 'zod';

/** Anything shaped like `process.env`. */
export type Env = Record<string, string | undefined>;

/** One bad or missing variable and why, worded for an operator. */
export interface ConfigIssue {
  variable: string;
  problem: string;
}

/**
 * The environment does not describe a runnable service. The message lists one line per variable,
 * naming it and saying what is wrong, and never repeats a secret value.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(['Invalid configuration:', ...issues.map((issue) => `  ${issue.variable}: ${issue.problem}`)].join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * Reads and validates the environment once, at start. A variable set to an empty or blank string
 * counts as unset, so `FOO=` in a shell or an empty value in a manifest falls back to the default.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): z.output<S> {
  const input: Env = {};
  for (const name of Object.keys(schema.shape)) {
    const value = env[name];
    input[name] = value === undefined || value.trim() === '' ? undefined : value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(describeIssues(result.error.issues, input));
}

function describeIssues(issues: readonly z.core.$ZodIssue[], input: Env): ConfigIssue[] {
  const problemsByVariable = new Map<string, string[]>();
  for (const issue of issues) {
    const variable = issue.path.length > 0 ? issue.path.map(String).join('.') : '(environment)';
    const missing = issue.code === 'invalid_type' && issue.path.length === 1 && input[variable] === undefined;
    const problems = problemsByVariable.get(variable) ?? [];
    const problem = missing ? 'missing (required)' : issue.message;
    if (!problems.includes(problem)) problems.push(problem);
    problemsByVariable.set(variable, problems);
  }
  return [...problemsByVariable].map(([variable, problems]) => ({ variable, problem: problems.join('; ') }));
}

/**
 * For a service's main file: runs `load` and, when the environment is invalid, prints the
 * message to stderr and exits with status 1 instead of crashing with a stack trace.
 * Any other error is not a configuration problem and is rethrown.
 */
export function exitOnConfigError<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
