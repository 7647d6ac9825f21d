/** A growing list of numbers kept in a typed array: hundreds of thousands of samples, cheaply. */
export class Samples {
  #values = new Float64Array(1024);
  #length = 0;

  push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
  }

  get length(): number {
    return this.#length;
  }

  toArray(): Float64Array {
    return this.#values.slice(0, this.#length);
  }
}

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Exact percentiles (nearest rank) of all samples given. */
export function distributionOf(...parts: Float64Array[]): Distribution {
  const count = parts.reduce((sum, part) => sum + part.length, 0);
  const all = new Float64Array(count);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  all.sort();
  const rank = (q: number) => (count === 0 ? Number.NaN : all[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))]!);
  let sum = 0;
  for (const value of all) sum += value;
  return { count, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: count === 0 ? Number.NaN : all[count - 1]!, mean: count === 0 ? Number.NaN : sum / count };
}

/** Per-index counts that grow as higher indexes show up. */
export class Counts {
  #values = new Uint16Array(1024);

  increment(index: number): void {
    if (index >= this.#values.length) {
      const grown = new Uint16Array(Math.max(index + 1, this.#values.length * 2));
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[index] = this.#values[index]! + 1;
  }

  toArray(): Uint16Array {
    return this.#values.slice();
  }
}
