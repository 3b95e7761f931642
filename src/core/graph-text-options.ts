/**
 * Node options in MediaPipe's text format → plain objects: the extension (or `Any`) messages inside
 * `options { }` / `node_options { }`, snake_case keys in camelCase, nested messages as objects, a
 * field written twice as an array, enum identifiers as strings (their paths kept), and extensions
 * nested inside options under their bracketed name.
 *
 * Threading: pure functions, any thread.
 */
import type { FieldMessage } from './graph-text-fields.js';
import { parseError, type TextField, type TextMessage, type TextValue } from './graph-text-lexer.js';

/** Where a node's options came from: the first extension's type and field, and enum paths. */
export interface OptionsSource {
  type: string | undefined;
  field: 'options' | 'node_options';
  readonly enums: string[];
}

/** The fields of the extension (or `Any`) messages inside `options` / `node_options`, as options. */
export function extensionFields(
  src: string,
  msg: FieldMessage,
  allowPlain: boolean,
  source?: OptionsSource,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const plain: TextField[] = [];
  const enums = source?.enums ?? [];
  for (const f of msg.fields) {
    if (!f.extension) {
      if (!allowPlain) {
        throw parseError(src, f.pos, `expected [type.googleapis.com/Type] { ... }, not "${f.name}"`);
      }
      plain.push(f);
      continue;
    }
    if (source !== undefined && source.type === undefined) {
      source.type = allowPlain
        ? f.name.replace(/\.ext$/, '')
        : f.name.replace(/^type\.googleapis\.com\//, '');
    }
    for (const v of f.values) {
      if (v.kind !== 'message') throw parseError(src, v.pos, `extension [${f.name}] must be a message`);
      Object.assign(out, toPlainObject(src, v.fields, '', enums));
    }
  }
  // Fields written straight inside `options { }` (a weft convenience) have no type: kept as such.
  if (source !== undefined && source.type === undefined && plain.length > 0) source.type = '';
  return Object.assign(out, toPlainObject(src, plain, '', enums));
}

/** snake_case → camelCase (`max_in_flight` → `maxInFlight`). */
export function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

// `enums` collects the paths (`key`, `outer.key`) of values written as enum identifiers.
function toPlainObject(
  src: string,
  fields: TextMessage,
  path = '',
  enums: string[] = [],
): Record<string, unknown> {
  const groups = new Map<string, TextField[]>();
  for (const f of fields) {
    // An extension inside options (a SwitchContainer's contained node, say) keeps its bracketed name.
    const key = f.extension ? `[${f.name}]` : snakeToCamel(f.name);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const out: Record<string, unknown> = {};
  for (const [key, group] of groups) {
    const at = path === '' ? key : `${path}.${key}`;
    const values = group.flatMap((f) => f.values.map((v) => toPlainValue(src, v, at, enums)));
    out[key] = group.length === 1 && !group[0]!.list ? values[0] : values;
  }
  return out;
}

function toPlainValue(src: string, v: TextValue, path: string, enums: string[]): unknown {
  if (v.kind === 'message') return toPlainObject(src, v.fields, path, enums);
  if (v.kind !== 'ident') return v.value;
  const b = booleanOf(v.value);
  if (b !== undefined) return b;
  if (!enums.includes(path)) enums.push(path);
  return v.value;
}

/** A text-format boolean identifier (`true`, `True`, `t` and their false forms) as a boolean; undefined for others. */
export function booleanOf(ident: string): boolean | undefined {
  if (ident === 'true' || ident === 'True' || ident === 't') return true;
  if (ident === 'false' || ident === 'False' || ident === 'f') return false;
  return undefined;
}
