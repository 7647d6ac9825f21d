/**
 * A Go `text/template` engine with the Sprig and Helm functions this chart uses, so the chart
 * can be rendered and checked where no `helm` binary exists. It follows Go's rules where a chart
 * could go wrong: `{{-`/`-}}` trimming, missing map keys as nil (Helm's `missingkey=zero`, printed
 * as nothing), an error on a field of nil, Go's number printing (`1e+06` for a float of a
 * million), `eq` refusing an int beside a float, `quote` dropping nil. A function it does not know
 * is an error, never a silent pass: extend `FUNCTIONS` when the chart needs one. In strict mode
 * (as `helm lint --strict`) a missing map key is an error too.
 *
 * Values: YAML numbers are floats (JS `number`, as Helm reads values), Go integers are `bigint`
 * (template literals, `int`, `len`, `add1`), nil is `null`, maps are plain objects, lists arrays.
 * Objects marked with `STRUCT` (`.Chart`, `.Release`) refuse unknown fields, as Go structs do.
 */
import { createHash } from 'node:crypto';
import { stringify as yamlStringify } from 'yaml';

export const STRUCT = Symbol('go struct');

export class TemplateError extends Error {}

// ---------------------------------------------------------------------------------------------
// Lexing: text and actions, with trim markers applied to the text around them.

interface TextPart {
  kind: 'text';
  text: string;
}
interface ActionPart {
  kind: 'action';
  source: string;
  where: string;
}
type Part = TextPart | ActionPart;

function isSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r';
}

function splitParts(source: string, name: string): Part[] {
  const parts: Part[] = [];
  let position = 0;
  let trimNext = false;
  const pushText = (text: string) => {
    const value = trimNext ? text.replace(/^[ \t\r\n]+/, '') : text;
    trimNext = false;
    if (value !== '') parts.push({ kind: 'text', text: value });
  };
  while (position < source.length) {
    const open = source.indexOf('{{', position);
    if (open === -1) {
      pushText(source.slice(position));
      break;
    }
    let text = source.slice(position, open);
    let start = open + 2;
    const trimLeft = source[start] === '-' && isSpace(source[start + 1]);
    if (trimLeft) {
      start += 1;
      text = text.replace(/[ \t\r\n]+$/, '');
    }
    pushText(text);
    const line = source.slice(0, open).split('\n').length;
    const where = `${name}:${line}`;
    // Comments: {{/* ... */}} with optional trim markers; they may span lines.
    const afterSpace = source.slice(start).match(/^[ \t\r\n]*/)?.[0].length ?? 0;
    if (source.startsWith('/*', start + afterSpace)) {
      const close = source.indexOf('*/', start + afterSpace + 2);
      if (close === -1) throw new TemplateError(`${where}: unclosed comment`);
      let end = close + 2;
      while (isSpace(source[end])) end += 1;
      let trimRight = false;
      if (source[end] === '-' && source[end + 1] === '}' && source[end + 2] === '}' && isSpace(source[end - 1])) {
        trimRight = true;
        end += 1;
      }
      if (!source.startsWith('}}', end)) throw new TemplateError(`${where}: comment must end with */}}`);
      position = end + 2;
      trimNext = trimRight;
      continue;
    }
    // The action runs to the first `}}` outside a string.
    let index = start;
    let quote: string | null = null;
    while (index < source.length) {
      const char = source[index];
      if (quote) {
        if (char === '\\' && quote === '"') index += 1;
        else if (char === quote) quote = null;
      } else if (char === '"' || char === '`') {
        quote = char;
      } else if (char === '}' && source[index + 1] === '}') {
        break;
      }
      index += 1;
    }
    if (index >= source.length) throw new TemplateError(`${where}: unclosed action`);
    let body = source.slice(start, index);
    let trimRight = false;
    if (/[ \t\r\n]-$/.test(body)) {
      trimRight = true;
      body = body.slice(0, -1);
    }
    parts.push({ kind: 'action', source: body.trim(), where });
    position = index + 2;
    trimNext = trimRight;
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Parsing actions into pipelines.

type Arg =
  | { kind: 'field'; path: string[] }
  | { kind: 'var'; name: string; path: string[] }
  | { kind: 'fn'; name: string }
  | { kind: 'literal'; value: unknown }
  | { kind: 'pipe'; pipe: Pipeline; path: string[] };

interface Pipeline {
  decl: string[];
  assign: boolean;
  cmds: Arg[][];
  where: string;
}

interface ControlNode {
  kind: 'if' | 'with' | 'range';
  pipe: Pipeline;
  list: Node[];
  elseList: Node[] | null;
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | ControlNode
  | { kind: 'template'; name: string; pipe: Pipeline | null; where: string };

type Token =
  | { kind: 'word'; value: string }
  | { kind: 'field'; path: string[] }
  | { kind: 'var'; name: string; path: string[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: unknown }
  | { kind: 'punct'; value: '(' | ')' | '|' | ',' | ':=' | '=' }
  | { kind: 'chain'; path: string[] };

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

function readPath(source: string, start: number): { path: string[]; end: number } {
  const path: string[] = [];
  let index = start;
  while (source[index] === '.') {
    IDENT.lastIndex = index + 1;
    const match = IDENT.exec(source);
    if (!match) break;
    path.push(match[0]);
    index = IDENT.lastIndex;
  }
  return { path, end: index };
}

function tokenize(source: string, where: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index]!;
    if (isSpace(char)) {
      index += 1;
      continue;
    }
    if (char === '(' || char === ')' || char === '|' || char === ',') {
      tokens.push({ kind: 'punct', value: char });
      index += 1;
      // `(...).Field`: a chain on a parenthesised value.
      if (char === ')' && source[index] === '.') {
        const { path, end } = readPath(source, index);
        tokens.push({ kind: 'chain', path });
        index = end;
      }
      continue;
    }
    if (char === ':' && source[index + 1] === '=') {
      tokens.push({ kind: 'punct', value: ':=' });
      index += 2;
      continue;
    }
    if (char === '=') {
      tokens.push({ kind: 'punct', value: '=' });
      index += 1;
      continue;
    }
    if (char === '"') {
      let end = index + 1;
      while (end < source.length && source[end] !== '"') end += source[end] === '\\' ? 2 : 1;
      tokens.push({ kind: 'string', value: JSON.parse(source.slice(index, end + 1)) as string });
      index = end + 1;
      continue;
    }
    if (char === '`') {
      const end = source.indexOf('`', index + 1);
      tokens.push({ kind: 'string', value: source.slice(index + 1, end) });
      index = end + 1;
      continue;
    }
    if (char === '.') {
      const { path, end } = readPath(source, index);
      tokens.push({ kind: 'field', path });
      index = end === index ? index + 1 : end;
      continue;
    }
    if (char === '$') {
      IDENT.lastIndex = index + 1;
      const match = IDENT.exec(source);
      const name = '$' + (match ? match[0] : '');
      const { path, end } = readPath(source, match ? IDENT.lastIndex : index + 1);
      tokens.push({ kind: 'var', name, path });
      index = end;
      continue;
    }
    const number = /^-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(index));
    if (number && (char === '-' || /\d/.test(char))) {
      const text = number[0];
      tokens.push({ kind: 'number', value: /[.eE]/.test(text) ? Number(text) : BigInt(text) });
      index += text.length;
      continue;
    }
    IDENT.lastIndex = index;
    const word = IDENT.exec(source);
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      index = IDENT.lastIndex;
      continue;
    }
    throw new TemplateError(`${where}: unexpected ${JSON.stringify(char)} in {{${source}}}`);
  }
  return tokens;
}

class PipelineParser {
  private index = 0;
  private readonly tokens: Token[];
  private readonly where: string;

  constructor(tokens: Token[], where: string) {
    this.tokens = tokens;
    this.where = where;
  }

  parse(allowDecl: boolean): Pipeline {
    const pipe = this.pipeline(allowDecl);
    if (this.index < this.tokens.length) throw new TemplateError(`${this.where}: unexpected ${JSON.stringify(this.tokens[this.index])}`);
    return pipe;
  }

  private pipeline(allowDecl: boolean): Pipeline {
    const decl: string[] = [];
    let assign = false;
    if (allowDecl) {
      // `$x :=`, `$x =`, `$i, $v :=`
      const save = this.index;
      const names: string[] = [];
      while (this.tokens[this.index]?.kind === 'var') {
        const token = this.tokens[this.index] as { kind: 'var'; name: string; path: string[] };
        if (token.path.length > 0) break;
        names.push(token.name);
        this.index += 1;
        const next = this.tokens[this.index];
        if (next?.kind === 'punct' && next.value === ',') {
          this.index += 1;
          continue;
        }
        break;
      }
      const op = this.tokens[this.index];
      if (names.length > 0 && op?.kind === 'punct' && (op.value === ':=' || op.value === '=')) {
        decl.push(...names);
        assign = op.value === '=';
        this.index += 1;
      } else {
        this.index = save;
      }
    }
    const cmds: Arg[][] = [];
    let cmd: Arg[] = [];
    while (this.index < this.tokens.length) {
      const token = this.tokens[this.index]!;
      if (token.kind === 'punct' && token.value === ')') break;
      this.index += 1;
      if (token.kind === 'punct' && token.value === '|') {
        if (cmd.length === 0) throw new TemplateError(`${this.where}: empty command before |`);
        cmds.push(cmd);
        cmd = [];
        continue;
      }
      cmd.push(this.operand(token));
    }
    if (cmd.length > 0) cmds.push(cmd);
    if (cmds.length === 0) throw new TemplateError(`${this.where}: missing value`);
    return { decl, assign, cmds, where: this.where };
  }

  private operand(token: Token): Arg {
    switch (token.kind) {
      case 'field':
        return { kind: 'field', path: token.path };
      case 'var':
        return { kind: 'var', name: token.name, path: token.path };
      case 'string':
        return { kind: 'literal', value: token.value };
      case 'number':
        return { kind: 'literal', value: token.value };
      case 'word':
        if (token.value === 'true' || token.value === 'false') return { kind: 'literal', value: token.value === 'true' };
        if (token.value === 'nil') return { kind: 'literal', value: null };
        return { kind: 'fn', name: token.value };
      case 'punct':
        if (token.value === '(') {
          const pipe = this.pipeline(false);
          const close = this.tokens[this.index];
          if (!(close?.kind === 'punct' && close.value === ')')) throw new TemplateError(`${this.where}: unclosed (`);
          this.index += 1;
          const chain = this.tokens[this.index];
          let path: string[] = [];
          if (chain?.kind === 'chain') {
            path = chain.path;
            this.index += 1;
          }
          return { kind: 'pipe', pipe, path };
        }
        throw new TemplateError(`${this.where}: unexpected ${token.value}`);
      case 'chain':
        throw new TemplateError(`${this.where}: unexpected field chain`);
    }
  }
}

function parsePipeline(source: string, where: string, allowDecl = true): Pipeline {
  return new PipelineParser(tokenize(source, where), where).parse(allowDecl);
}

// ---------------------------------------------------------------------------------------------
// Building the tree: control structures and defines.

const KEYWORD = /^(if|else|end|range|with|define|template|block|break|continue)\b\s*/;

class TreeBuilder {
  private index = 0;
  private readonly parts: Part[];
  private readonly defines: Map<string, Node[]>;

  constructor(parts: Part[], defines: Map<string, Node[]>) {
    this.parts = parts;
    this.defines = defines;
  }

  build(): Node[] {
    const { nodes, stop } = this.list(true);
    if (stop) throw new TemplateError(`${stop.where}: unexpected {{${stop.source}}}`);
    return nodes;
  }

  /** Nodes up to an `else` or `end` (returned as `stop`), or to the end of the text. */
  private list(topLevel: boolean): { nodes: Node[]; stop: ActionPart | null } {
    const nodes: Node[] = [];
    while (this.index < this.parts.length) {
      const part = this.parts[this.index]!;
      this.index += 1;
      if (part.kind === 'text') {
        nodes.push({ kind: 'text', text: part.text });
        continue;
      }
      const keyword = KEYWORD.exec(part.source)?.[1];
      const rest = keyword ? part.source.slice(KEYWORD.exec(part.source)![0].length) : part.source;
      switch (keyword) {
        case undefined:
          nodes.push({ kind: 'action', pipe: parsePipeline(part.source, part.where) });
          break;
        case 'else':
        case 'end':
          return { nodes, stop: part };
        case 'if':
        case 'with':
        case 'range':
          nodes.push(this.control(keyword, rest, part.where));
          break;
        case 'define': {
          if (!topLevel) throw new TemplateError(`${part.where}: define inside a template`);
          const name = parsePipeline(rest, part.where, false);
          const literal = name.cmds[0]?.[0];
          if (literal?.kind !== 'literal' || typeof literal.value !== 'string') throw new TemplateError(`${part.where}: define needs a name`);
          const body = this.list(false);
          if (body.stop?.source !== 'end') throw new TemplateError(`${part.where}: define "${literal.value}" is not closed by {{end}}`);
          this.defines.set(literal.value, body.nodes);
          break;
        }
        case 'template': {
          const [nameText, ...pipeText] = rest.match(/^"([^"]*)"\s*(.*)$/s)?.slice(1) ?? [];
          if (nameText === undefined) throw new TemplateError(`${part.where}: template needs a name`);
          const source = pipeText.join('').trim();
          nodes.push({ kind: 'template', name: nameText, pipe: source ? parsePipeline(source, part.where, false) : null, where: part.where });
          break;
        }
        default:
          throw new TemplateError(`${part.where}: {{${keyword}}} is not supported by this renderer`);
      }
    }
    return { nodes, stop: null };
  }

  private control(kind: 'if' | 'with' | 'range', source: string, where: string): Node {
    const pipe = parsePipeline(source, where, true);
    const body = this.list(false);
    if (!body.stop) throw new TemplateError(`${where}: {{${kind}}} is not closed`);
    let elseList: Node[] | null = null;
    if (body.stop.source !== 'end') {
      const chained = /^else\s+(if|with)\b\s*(.*)$/s.exec(body.stop.source);
      if (chained) {
        // `{{else if ...}}` opens a nested structure that shares the outer `{{end}}`.
        elseList = [this.control(chained[1] as 'if' | 'with', chained[2]!, body.stop.where)];
      } else if (body.stop.source === 'else') {
        const rest = this.list(false);
        if (rest.stop?.source !== 'end') throw new TemplateError(`${where}: {{${kind}}} is not closed by {{end}}`);
        elseList = rest.nodes;
      } else {
        throw new TemplateError(`${body.stop.where}: unexpected {{${body.stop.source}}}`);
      }
    }
    return { kind, pipe, list: body.nodes, elseList };
  }
}

// ---------------------------------------------------------------------------------------------
// Values as Go sees them.

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Kind = 'invalid' | 'bool' | 'int' | 'float' | 'string' | 'map' | 'slice';

function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return 'invalid';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'float';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return 'slice';
  return 'map';
}

/** Go's template truth: false, 0, nil, "" and empty collections are false. */
export function truth(value: unknown): boolean {
  switch (kindOf(value)) {
    case 'invalid':
      return false;
    case 'bool':
      return value as boolean;
    case 'int':
      return (value as bigint) !== 0n;
    case 'float':
      return (value as number) !== 0;
    case 'string':
      return (value as string) !== '';
    case 'slice':
      return (value as unknown[]).length > 0;
    case 'map':
      return Object.keys(value as Dict).length > 0;
  }
}

/** How Go's fmt prints a float64 with %v: shortest digits, an exponent from 1e+06 on. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

/** fmt's %v. */
export function printValue(value: unknown): string {
  switch (kindOf(value)) {
    case 'invalid':
      return '<no value>';
    case 'bool':
    case 'int':
    case 'string':
      return String(value);
    case 'float':
      return formatFloat(value as number);
    case 'slice':
      return `[${(value as unknown[]).map(printValue).join(' ')}]`;
    case 'map':
      return `map[${Object.keys(value as Dict)
        .sort()
        .map((key) => `${key}:${printValue((value as Dict)[key])}`)
        .join(' ')}]`;
  }
}

/** Sprig's strval: strings as they are, everything else as %v. */
function strval(value: unknown): string {
  return typeof value === 'string' ? value : printValue(value);
}

function toInt(value: unknown): bigint {
  switch (kindOf(value)) {
    case 'int':
      return value as bigint;
    case 'float':
      return BigInt(Math.trunc(value as number));
    case 'bool':
      return value ? 1n : 0n;
    case 'string': {
      const text = (value as string).trim();
      return /^-?\d+$/.test(text) ? BigInt(text) : 0n;
    }
    default:
      return 0n;
  }
}

/** Plain data for YAML and JSON: Go ints become numbers. */
function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toPlain);
  if (isDict(value)) {
    const out: Dict = {};
    for (const key of Object.keys(value).sort()) out[key] = toPlain(value[key]);
    return out;
  }
  return value ?? null;
}

/** Helm's toYaml (sigs.k8s.io/yaml): sorted keys, YAML 1.1 quoting, no trailing newline. */
export function toYaml(value: unknown): string {
  const plain = toPlain(value);
  if (plain === null) return 'null';
  return yamlStringify(plain, { version: '1.1', sortMapEntries: true, indentSeq: false, lineWidth: 0, minContentWidth: 0 }).replace(/\n$/, '');
}

function goQuote(text: string): string {
  return JSON.stringify(text);
}

function compare(name: string, a: unknown, b: unknown): number {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) throw new TemplateError(`${name}: incompatible types for comparison (${ka} and ${kb})`);
  if (ka === 'int' || ka === 'float' || ka === 'string') {
    const x = a as number | bigint | string;
    const y = b as number | bigint | string;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  throw new TemplateError(`${name}: invalid type for comparison (${ka})`);
}

function equals(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) {
    if (ka === 'invalid' || kb === 'invalid') return false;
    throw new TemplateError(`eq: incompatible types for comparison (${ka} and ${kb})`);
  }
  if (ka === 'map' || ka === 'slice') throw new TemplateError(`eq: non-comparable type ${ka}`);
  return a === b || (ka === 'invalid' && kb === 'invalid');
}

function printf(format: string, args: unknown[]): string {
  let next = 0;
  return format.replace(/%(.)/gs, (_match, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[next++];
    switch (verb) {
      case 's':
      case 'v':
      case 't':
        return strval(arg);
      case 'q':
        return goQuote(strval(arg));
      case 'd':
        if (typeof arg !== 'bigint') throw new TemplateError(`printf: %d of a ${kindOf(arg)} prints garbage in Go; convert it with int`);
        return arg.toString();
      default:
        throw new TemplateError(`printf: %${verb} is not supported by this renderer`);
    }
  });
}

function indent(spaces: unknown, text: unknown): string {
  const pad = ' '.repeat(Number(toInt(spaces)));
  return pad + strval(text).replaceAll('\n', '\n' + pad);
}

function trunc(count: unknown, text: unknown): string {
  const n = Number(toInt(count));
  const s = strval(text);
  if (n < 0 && s.length + n > 0) return s.slice(s.length + n);
  if (n >= 0 && s.length > n) return s.slice(0, n);
  return s;
}

function length(value: unknown): bigint {
  switch (kindOf(value)) {
    case 'string':
      return BigInt((value as string).length);
    case 'slice':
      return BigInt((value as unknown[]).length);
    case 'map':
      return BigInt(Object.keys(value as Dict).length);
    default:
      throw new TemplateError(`len of ${kindOf(value)}`);
  }
}

function indexInto(collection: unknown, keys: unknown[]): unknown {
  let value = collection;
  for (const key of keys) {
    if (Array.isArray(value)) {
      const position = Number(toInt(key));
      if (position < 0 || position >= value.length) throw new TemplateError(`index out of range: ${position}`);
      value = value[position];
    } else if (isDict(value) && !(STRUCT in value)) {
      if (typeof key !== 'string') throw new TemplateError(`index of a map with a ${kindOf(key)} key`);
      value = Object.hasOwn(value, key) ? value[key] : null;
    } else {
      throw new TemplateError(`can't index item of type ${kindOf(value)}`);
    }
  }
  return value ?? null;
}

type Fn = (this: Renderer, ...args: unknown[]) => unknown;

const FUNCTIONS: Record<string, Fn> = {
  // Helm
  include(name, data) {
    return this.include(strval(name), data);
  },
  required(message, value) {
    if (value === null || value === undefined || value === '') throw new TemplateError(strval(message));
    return value;
  },
  fail(message) {
    throw new TemplateError(strval(message));
  },
  toYaml: (value) => toYaml(value),
  // Go builtins
  print: (...args) => args.map(strval).join(''),
  printf: (format, ...args) => printf(strval(format), args),
  len: (value) => length(value),
  index: (collection, ...keys) => indexInto(collection, keys),
  not: (value) => !truth(value),
  eq: (a, ...others) => {
    if (others.length === 0) throw new TemplateError('eq: missing argument for comparison');
    return others.some((b) => equals(a, b));
  },
  ne: (a, b) => !equals(a, b),
  lt: (a, b) => compare('lt', a, b) < 0,
  le: (a, b) => compare('le', a, b) <= 0,
  gt: (a, b) => compare('gt', a, b) > 0,
  ge: (a, b) => compare('ge', a, b) >= 0,
  // Sprig
  quote: (...args) =>
    args
      .filter((arg) => arg !== null && arg !== undefined)
      .map((arg) => goQuote(strval(arg)))
      .join(' '),
  squote: (...args) =>
    args
      .filter((arg) => arg !== null && arg !== undefined)
      .map((arg) => `'${strval(arg)}'`)
      .join(' '),
  default: (fallback, ...given) => (given.length === 0 || !truth(given[0]) ? fallback : given[0]),
  empty: (value) => !truth(value),
  coalesce: (...args) => args.find((arg) => truth(arg)) ?? null,
  ternary: (whenTrue, whenFalse, condition) => (truth(condition) ? whenTrue : whenFalse),
  dict: (...args) => {
    const out: Dict = {};
    for (let i = 0; i < args.length; i += 2) out[strval(args[i])] = args[i + 1] ?? null;
    return out;
  },
  list: (...args) => [...args],
  append: (list, value) => {
    if (!Array.isArray(list)) throw new TemplateError(`append: cannot append to ${kindOf(list)}`);
    return [...list, value];
  },
  compact: (list) => {
    if (!Array.isArray(list)) throw new TemplateError(`compact: not a list (${kindOf(list)})`);
    return list.filter((item) => truth(item));
  },
  join: (separator, list) => {
    const items = Array.isArray(list) ? list : [list];
    return items
      .filter((item) => item !== null && item !== undefined)
      .map(strval)
      .join(strval(separator));
  },
  set: (dict, key, value) => {
    if (!isDict(dict)) throw new TemplateError('set: not a dict');
    dict[strval(key)] = value;
    return dict;
  },
  hasKey: (dict, key) => isDict(dict) && Object.hasOwn(dict, strval(key)),
  toString: (value: unknown) => strval(value),
  toJson: (value) => JSON.stringify(toPlain(value)),
  int: (value) => toInt(value),
  int64: (value) => toInt(value),
  add1: (value) => toInt(value) + 1n,
  add: (...values) => values.reduce<bigint>((sum, value) => sum + toInt(value), 0n),
  trunc: (count, text) => trunc(count, text),
  trim: (text) => strval(text).trim(),
  trimSuffix: (suffix, text) => {
    const s = strval(text);
    const end = strval(suffix);
    return end !== '' && s.endsWith(end) ? s.slice(0, -end.length) : s;
  },
  trimPrefix: (prefix, text) => {
    const s = strval(text);
    const start = strval(prefix);
    return s.startsWith(start) ? s.slice(start.length) : s;
  },
  replace: (from, to, text) => strval(text).replaceAll(strval(from), strval(to)),
  lower: (text) => strval(text).toLowerCase(),
  upper: (text) => strval(text).toUpperCase(),
  contains: (part, text) => strval(text).includes(strval(part)),
  hasPrefix: (prefix, text) => strval(text).startsWith(strval(prefix)),
  hasSuffix: (suffix, text) => strval(text).endsWith(strval(suffix)),
  indent: (spaces, text) => indent(spaces, text),
  nindent: (spaces, text) => '\n' + indent(spaces, text),
  b64enc: (text) => Buffer.from(strval(text), 'utf8').toString('base64'),
  sha256sum: (text) => createHash('sha256').update(strval(text)).digest('hex'),
};

// ---------------------------------------------------------------------------------------------
// Execution.

interface Variable {
  name: string;
  value: unknown;
}

export class Renderer {
  private readonly defines = new Map<string, Node[]>();
  private readonly files = new Map<string, Node[]>();
  private readonly strict: boolean;
  private depth = 0;

  /** `strict`: a field missing from a map is an error (Helm's `--strict`, `missingkey=error`). */
  constructor(options: { strict?: boolean } = {}) {
    this.strict = options.strict ?? false;
  }

  /** Parses a file; its defines join the shared set (a later file's define wins, as in Helm). */
  add(name: string, source: string): void {
    this.files.set(name, new TreeBuilder(splitParts(source, name), this.defines).build());
  }

  /** Renders one added file with `data` as its dot, as Helm does (`<no value>` printed as nothing). */
  render(name: string, data: unknown): string {
    const nodes = this.files.get(name);
    if (!nodes) throw new TemplateError(`no file ${name}`);
    return this.run(nodes, data).replaceAll('<no value>', '');
  }

  include(name: string, data: unknown): string {
    const nodes = this.defines.get(name) ?? this.files.get(name);
    if (!nodes) throw new TemplateError(`no template "${name}" associated with template`);
    if (++this.depth > 100) throw new TemplateError(`include "${name}": too deep (a loop?)`);
    try {
      return this.run(nodes, data);
    } finally {
      this.depth -= 1;
    }
  }

  private run(nodes: Node[], data: unknown): string {
    const out: string[] = [];
    this.walk(nodes, data, [{ name: '$', value: data }], out);
    return out.join('');
  }

  private walk(nodes: Node[], dot: unknown, vars: Variable[], out: string[]): void {
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out.push(node.text);
          break;
        case 'action': {
          const value = this.pipeline(node.pipe, dot, vars);
          if (node.pipe.decl.length === 0) out.push(printValue(value));
          break;
        }
        case 'if':
        case 'with': {
          const mark = vars.length;
          const value = this.pipeline(node.pipe, dot, vars);
          if (truth(value)) this.walk(node.list, node.kind === 'with' ? value : dot, vars, out);
          else if (node.elseList) this.walk(node.elseList, dot, vars, out);
          vars.length = mark;
          break;
        }
        case 'range':
          this.range(node, dot, vars, out);
          break;
        case 'template': {
          const data = node.pipe ? this.pipeline(node.pipe, dot, vars) : null;
          out.push(this.include(node.name, data));
          break;
        }
      }
    }
  }

  private range(node: ControlNode, dot: unknown, vars: Variable[], out: string[]): void {
    const mark = vars.length;
    const { decl } = node.pipe;
    const value = this.pipeline({ ...node.pipe, decl: [] }, dot, vars);
    let entries: [unknown, unknown][];
    if (value === null || value === undefined) entries = [];
    else if (Array.isArray(value)) entries = value.map((item, i) => [BigInt(i), item]);
    else if (isDict(value)) entries = Object.keys(value).sort().map((key) => [key, value[key]]);
    else throw new TemplateError(`${node.pipe.where}: range can't iterate over ${printValue(value)}`);
    if (entries.length === 0) {
      if (node.elseList) this.walk(node.elseList, dot, vars, out);
      return;
    }
    for (const [key, item] of entries) {
      vars.length = mark;
      if (decl.length === 1) vars.push({ name: decl[0]!, value: item });
      if (decl.length === 2) vars.push({ name: decl[0]!, value: key }, { name: decl[1]!, value: item });
      this.walk(node.list, item, vars, out);
    }
    vars.length = mark;
  }

  private pipeline(pipe: Pipeline, dot: unknown, vars: Variable[]): unknown {
    let value: unknown = undefined;
    let first = true;
    for (const cmd of pipe.cmds) {
      value = this.command(cmd, dot, vars, pipe.where, first ? undefined : { value });
      first = false;
    }
    if (pipe.decl.length > 0) {
      const name = pipe.decl[0]!;
      if (pipe.assign) {
        const found = [...vars].reverse().find((variable) => variable.name === name);
        if (!found) throw new TemplateError(`${pipe.where}: undefined variable ${name}`);
        found.value = value;
      } else {
        vars.push({ name, value });
      }
    }
    return value;
  }

  private command(cmd: Arg[], dot: unknown, vars: Variable[], where: string, piped?: { value: unknown }): unknown {
    const head = cmd[0]!;
    try {
      if (head.kind === 'fn') {
        const name = head.name;
        const rest = cmd.slice(1);
        if (name === 'and' || name === 'or') {
          const thunks = rest.map((arg) => () => this.arg(arg, dot, vars, where));
          if (piped) thunks.push(() => piped.value);
          let result: unknown = null;
          for (const thunk of thunks) {
            result = thunk();
            if (name === 'and' ? !truth(result) : truth(result)) return result;
          }
          return result;
        }
        const fn = FUNCTIONS[name];
        if (!fn) throw new TemplateError(`function "${name}" not defined (add it to the renderer if Helm has it)`);
        const args = rest.map((arg) => this.arg(arg, dot, vars, where));
        if (piped) args.push(piped.value);
        return fn.apply(this, args);
      }
      if (cmd.length > 1 || piped) throw new TemplateError(`can't give argument to non-function ${JSON.stringify(head)}`);
      return this.arg(head, dot, vars, where);
    } catch (error) {
      if (error instanceof TemplateError && !error.message.startsWith(where)) throw new TemplateError(`${where}: ${error.message}`);
      throw error;
    }
  }

  private arg(arg: Arg, dot: unknown, vars: Variable[], where: string): unknown {
    switch (arg.kind) {
      case 'literal':
        return arg.value;
      case 'field':
        return this.fields(dot, arg.path, '.');
      case 'var': {
        const found = [...vars].reverse().find((variable) => variable.name === arg.name);
        if (!found) throw new TemplateError(`undefined variable ${arg.name}`);
        return this.fields(found.value, arg.path, arg.name);
      }
      case 'pipe':
        return this.fields(this.pipeline(arg.pipe, dot, vars), arg.path, '(...)');
      case 'fn':
        // A function named as an argument is called without arguments (`{{ list }}`).
        return this.command([arg], dot, vars, where);
    }
  }

  private fields(value: unknown, path: string[], from: string): unknown {
    let current = value;
    let trail = from;
    for (const field of path) {
      if (current === null || current === undefined) throw new TemplateError(`nil pointer evaluating interface {}.${field} (${trail})`);
      if (!isDict(current)) throw new TemplateError(`can't evaluate field ${field} in type ${kindOf(current)} (${trail})`);
      if (STRUCT in current) {
        if (!Object.hasOwn(current, field)) throw new TemplateError(`can't evaluate field ${field} (${trail})`);
        current = current[field];
      } else {
        if (this.strict && !Object.hasOwn(current, field)) throw new TemplateError(`map has no entry for key "${field}" (${trail})`);
        current = Object.hasOwn(current, field) ? current[field] : null;
      }
      trail += `.${field}`;
    }
    return current ?? null;
  }
}
