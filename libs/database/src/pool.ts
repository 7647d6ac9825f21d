import type { DataSource } from 'typeorm';

/** The parts of a node-postgres pooled client the kit uses directly. */
export interface PooledClient {
  query<R = Record<string, unknown>>(text: string): Promise<SimpleQueryResult<R> | Array<SimpleQueryResult<R>>>;
  /** Back to the pool; with an error, the connection is closed instead. */
  release(error?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

export interface SimpleQueryResult<R> {
  rows: R[];
  rowCount: number | null;
}

/**
 * The node-postgres pool under TypeORM's postgres driver, for the kit's own machinery (the
 * relay), which sends several statements in one round trip: TypeORM has no call for that.
 */
export function poolOf(dataSource: DataSource): { connect(): Promise<PooledClient> } {
  const pool = (dataSource.driver as unknown as { master?: { connect(): Promise<PooledClient> } }).master;
  if (!pool) throw new Error('the data source has no postgres pool (is it initialised?)');
  return pool;
}

/**
 * A client checked out of the pool, with a listener for the error a connection lost while held
 * emits (unheard, it would end the process; the pending query fails anyway). `done` hands it back.
 */
export async function checkOut(dataSource: DataSource): Promise<{ client: PooledClient; done(broken: boolean): void }> {
  const client = await poolOf(dataSource).connect();
  const ignore = () => undefined;
  client.on('error', ignore);
  return {
    client,
    done(broken) {
      client.off('error', ignore);
      client.release(broken || undefined);
    },
  };
}

/** The results of a simple-protocol query, one per statement, whatever pg made of them. */
export function resultsOf<R>(answer: SimpleQueryResult<R> | Array<SimpleQueryResult<R>>): Array<SimpleQueryResult<R>> {
  return Array.isArray(answer) ? answer : [answer];
}
