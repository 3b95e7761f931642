/**
 * Protobuf text format, read without a schema: the tokenizer and a reader that turns text into a
 * tree of fields. `graph-text.ts` gives the tree its meaning (graph, node, handler, options).
 *
 * What is read: `#` comments; `name: value`, `name { ... }`, `name: { ... }` and `name < ... >`;
 * lists `name: [a, b]` (also of messages); extension and `Any` field names in brackets
 * (`[mediapipe.X.ext]`, `[type.googleapis.com/mediapipe.X]`); strings in single or double quotes
 * with C escapes (octal and hex escapes give one char per byte), adjacent strings concatenated;
 * integers (decimal, hex, octal, negative), floats (`1.5`, `.5`, `1e-3`, `2f`, `inf`, `nan`);
 * identifiers (`true`, enum values); optional `,` or `;` after each field.
 *
 * Threading: pure functions, any thread.
 */
import { GraphParseError } from './errors.js';

/** A value as written: its kind decides how `graph-text.ts` may read it. */
export type TextValue =
  | { readonly kind: 'string'; readonly value: string; readonly pos: number }
  | { readonly kind: 'number'; readonly value: number; readonly pos: number }
  | { readonly kind: 'ident'; readonly value: string; readonly pos: number }
  | { readonly kind: 'message'; readonly fields: readonly TextField[]; readonly pos: number };

/** One occurrence of a field. A list (`name: [a, b]`) is one occurrence with several values. */
export interface TextField {
  /** Field name; for an extension or `Any`, the name inside the brackets. */
  readonly name: string;
  readonly extension: boolean;
  readonly values: readonly TextValue[];
  /** Written with `[...]`: the field is repeated even with one element. */
  readonly list: boolean;
  /** Offset of the field name in the source. */
  readonly pos: number;
}

/** A message: its fields in source order. */
export type TextMessage = readonly TextField[];

type TokenKind = 'ident' | 'string' | 'number' | 'punct' | 'eof';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
  /** Decoded value of a string or number token. */
  readonly value?: string | number;
}

/** Builds a GraphParseError that gives `line:column` and the source line around `pos`. */
export function parseError(src: string, pos: number, message: string): GraphParseError {
  const before = src.slice(0, pos);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = pos - lineStart + 1;
  const lineEnd = src.indexOf('\n', pos);
  const full = src.slice(lineStart, lineEnd === -1 ? src.length : lineEnd);
  const from = Math.max(0, column - 31);
  const excerpt = (from > 0 ? '…' : '') + full.slice(from, column + 29).trim();
  return new GraphParseError(`graph text ${line}:${column}: ${message} (near "${excerpt}")`, {
    phase: 'config',
  });
}

const IDENT = /[A-Za-z_][A-Za-z0-9_.]*/y;
const NUMBER = /(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?)(?![A-Za-z0-9_])/y;
const SPACE = /(?:\s+|#[^\n]*)+/y;
// '.' only joins the parts of an extension name split across lines (`[a.b\n .C.ext]`).
const PUNCT = '{}<>[]:,;-/.';
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

function numberValue(text: string): number {
  if (/^0[xX]/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return Number.parseInt(text, 8);
  return Number(text.replace(/[fF]$/, ''));
}

/** Splits text into tokens. */
function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = pos;
    return re.exec(src)?.[0];
  };
  for (;;) {
    pos += match(SPACE)?.length ?? 0;
    if (pos >= src.length) break;
    const c = src[pos]!;
    const start = pos;
    if (c === '"' || c === "'") {
      const value = readString(src, pos);
      pos = value.end;
      tokens.push({ kind: 'string', text: src.slice(start, pos), pos: start, value: value.text });
      continue;
    }
    const num = match(NUMBER);
    if (num !== undefined) {
      pos += num.length;
      tokens.push({ kind: 'number', text: num, pos: start, value: numberValue(num) });
      continue;
    }
    const ident = match(IDENT);
    if (ident !== undefined) {
      pos += ident.length;
      tokens.push({ kind: 'ident', text: ident, pos: start });
      continue;
    }
    if (!PUNCT.includes(c)) throw parseError(src, pos, `unexpected character '${c}'`);
    pos += 1;
    tokens.push({ kind: 'punct', text: c, pos: start });
  }
  tokens.push({ kind: 'eof', text: 'end of input', pos: src.length });
  return tokens;
}

function readString(src: string, start: number): { text: string; end: number } {
  const quote = src[start];
  let out = '';
  let pos = start + 1;
  for (;;) {
    const c = src[pos];
    if (c === undefined || c === '\n') throw parseError(src, start, 'unterminated string');
    pos += 1;
    if (c === quote) return { text: out, end: pos };
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = src[pos] ?? '';
    const simple = SIMPLE_ESCAPES[e];
    let m: RegExpExecArray | null;
    if (simple !== undefined) {
      out += simple;
      pos += 1;
    } else if ((m = /^[0-7]{1,3}/.exec(src.slice(pos, pos + 3))) !== null) {
      out += String.fromCharCode(Number.parseInt(m[0], 8) & 0xff);
      pos += m[0].length;
    } else if ((m = /^(?:x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})/.exec(src.slice(pos))) !== null) {
      const code = Number.parseInt(m[0].slice(1), 16);
      // String.fromCodePoint throws a bare RangeError past U+10FFFF.
      if (code > 0x10ffff) throw parseError(src, pos - 1, `escape '\\${m[0]}' is not a Unicode code point`);
      out += String.fromCodePoint(code);
      pos += m[0].length;
    } else {
      throw parseError(src, pos - 1, `unknown escape '\\${e}'`);
    }
  }
}

/** How deep `{ }` messages may nest in graph text. */
export const MAX_NESTING = 100;

/** Reads protobuf text into a tree of fields. Throws GraphParseError with line and column. */
export function readTextMessage(src: string): TextMessage {
  const tokens = tokenize(src);
  let i = 0;
  const peek = (): Token => tokens[i]!;
  const next = (): Token => tokens[i++]!;
  const isPunct = (text: string): boolean => peek().kind === 'punct' && peek().text === text;
  const fail = (message: string, t: Token = peek()): never => {
    throw parseError(src, t.pos, message);
  };
  const expect = (text: string): void => {
    if (!isPunct(text)) fail(`expected '${text}' but found '${peek().text}'`);
    i += 1;
  };

  // Nesting deeper than any real graph (MediaPipe's own parser stops at 100) would overflow the stack.
  let depth = 0;
  function message(close: string | undefined): TextField[] {
    if (++depth > MAX_NESTING) fail(`messages nested deeper than ${MAX_NESTING} levels`);
    const fields: TextField[] = [];
    for (;;) {
      if (close === undefined ? peek().kind === 'eof' : isPunct(close)) {
        i += 1;
        depth--;
        return fields;
      }
      if (peek().kind === 'eof') fail(`expected '${close}' before the end of input`);
      fields.push(field());
      if (isPunct(',') || isPunct(';')) i += 1;
    }
  }

  function fieldName(): { name: string; extension: boolean } {
    const t = peek();
    if (t.kind === 'ident') return { name: next().text, extension: false };
    if (!isPunct('[')) return fail(`expected a field name but found '${t.text}'`);
    i += 1;
    let name = '';
    while (peek().kind === 'ident' || isPunct('/') || isPunct('.')) name += next().text;
    if (name === '') fail('expected an extension name inside [ ]');
    expect(']');
    return { name, extension: true };
  }

  function field(): TextField {
    const pos = peek().pos;
    const { name, extension } = fieldName();
    const colon = isPunct(':');
    if (colon) i += 1;
    if (colon && isPunct('[')) {
      i += 1;
      const values: TextValue[] = [];
      while (!isPunct(']')) {
        if (values.length > 0) expect(',');
        values.push(value());
      }
      i += 1;
      return { name, extension, values, list: true, pos };
    }
    if (!colon && !isPunct('{') && !isPunct('<')) fail(`expected ':' or '{' after field "${name}"`);
    return { name, extension, values: [value()], list: false, pos };
  }

  function value(): TextValue {
    const t = peek();
    if (isPunct('{') || isPunct('<')) {
      i += 1;
      return { kind: 'message', fields: message(t.text === '{' ? '}' : '>'), pos: t.pos };
    }
    if (t.kind === 'string') {
      let text = '';
      while (peek().kind === 'string') text += next().value as string;
      return { kind: 'string', value: text, pos: t.pos };
    }
    let sign = 1;
    if (isPunct('-')) {
      i += 1;
      sign = -1;
    }
    const v = next();
    if (v.kind === 'number') return { kind: 'number', value: sign * (v.value as number), pos: t.pos };
    if (v.kind === 'ident') {
      const special = /^(?:inf|infinity)$/i.test(v.text) ? Infinity : /^nan$/i.test(v.text) ? NaN : undefined;
      if (special !== undefined) return { kind: 'number', value: sign * special, pos: t.pos };
      if (sign === 1) return { kind: 'ident', value: v.text, pos: t.pos };
    }
    return fail(`expected a value but found '${v.text}'`, v);
  }

  return message(undefined);
}
