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
 * A string as an SQL literal, for statements sent several to a round trip (the simple protocol
 * takes no parameters). Quotes are doubled; with a backslash in the text, the E'' form with
 * backslashes doubled too, which reads the same whatever `standard_conforming_strings` says.
 */
export function sqlLiteral(text: string): string {
  const quoted = text.replaceAll("'", "''");
  return text.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}
