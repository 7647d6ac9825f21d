import pg from 'pg';

/**
 * Prepared statements, by their text. A statement a service runs again and again (a send, an inbox
 * row, the scope of a transaction) is parsed and planned by PostgreSQL once per connection
 * instead of on every call: node-postgres prepares a named query on a connection the first time
 * and only binds and executes it afterwards. A text is named once it has been seen twice, so
 * one-off statements prepare nothing, and at most MAX_NAMED texts are ever named, so SQL built
 * with values inside it (which no caller should write) cannot grow the server's memory without bound.
 */
const MAX_NAMED = 500;
const MAX_SEEN = 5_000;

const named = new Map<string, string>();
const seenOnce = new Set<string>();

export function statementName(text: string): string | undefined {
  const name = named.get(text);
  if (name !== undefined) return name;
  if (!seenOnce.has(text)) {
    if (seenOnce.size >= MAX_SEEN) seenOnce.clear();
    seenOnce.add(text);
    return undefined;
  }
  if (named.size >= MAX_NAMED) return undefined;
  const fresh = `chat_stmt_${named.size + 1}`;
  named.set(text, fresh);
  seenOnce.delete(text);
  return fresh;
}

/** The node-postgres client under a transaction, as the kit drives it. */
export interface PgConnection {
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

export type RunSql = (text: string, values?: unknown[]) => Promise<{ rows: unknown[]; rowCount: number | null }>;

/** Runs SQL on the connection, prepared once its text has shown it is run often. */
export function preparedOn(connection: PgConnection): RunSql {
  return (text, values = []) => {
    const name = statementName(text);
    return connection.query(name === undefined ? { text, values } : { text, values, name });
  };
}


/**
 * The statement with its parameters written in as literals, so that it can share a round trip
 * with others (the BEGIN of its transaction). A quoted literal is of unknown type until its
 * context decides, exactly as a parameter node-postgres sends as text, so the statement means
 * the same. Only text, numbers, booleans, nulls and flat arrays of them are written in; `undefined` (send it as it
 * is) for anything else, and for SQL this scanner would not read with certainty (dollar quotes,
 * backslashes).
 */
export function withLiterals(text: string, values: readonly unknown[]): string | undefined {
  if (text.includes('\\')) return undefined;
  const literals: string[] = [];
  for (const value of values) {
    const literal = literalOf(value);
    if (literal === undefined) return undefined;
    literals.push(literal);
  }
  let out = '';
  let from = 0;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (char === "'" || char === '"') {
      const end = text.indexOf(char, at + 1);
      if (end === -1) return undefined;
      at = end; // a doubled quote reads as two quoted runs, which is the same here
    } else if (char === '-' && text[at + 1] === '-') {
      const end = text.indexOf('\n', at);
      at = end === -1 ? text.length : end;
    } else if (char === '/' && text[at + 1] === '*') {
      const end = text.indexOf('*/', at + 2);
      if (end === -1) return undefined;
      at = end + 1;
    } else if (char === '$') {
      const digits = /^\d+/.exec(text.slice(at + 1))?.[0];
      if (digits === undefined || /[\w$]/.test(text[at - 1] ?? '')) return undefined;
      const literal = literals[Number(digits) - 1];
      if (literal === undefined) return undefined;
      out += text.slice(from, at) + literal;
      at += digits.length;
      from = at + 1;
    }
  }
  return out + text.slice(from);
}

function literalOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) {
    const text = arrayText(value);
    return text === undefined ? undefined : pg.escapeLiteral(text);
  }
  const text = scalarText(value);
  return text === undefined ? undefined : pg.escapeLiteral(text);
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A flat array in PostgreSQL's array syntax, elements quoted, as node-postgres writes it. */
function arrayText(values: readonly unknown[]): string | undefined {
  const elements: string[] = [];
  for (const value of values) {
    if (value === null || value === undefined) {
      elements.push('NULL');
      continue;
    }
    const text = scalarText(value);
    if (text === undefined) return undefined;
    elements.push(`"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
  }
  return `{${elements.join(',')}}`;
}
