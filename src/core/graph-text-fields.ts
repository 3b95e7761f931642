/**
 * Reading the fields of one text-format message by name (graph, node, executor, handler): typed
 * accessors that report a misplaced or mistyped field at its position, and the refusal of every
 * field left unread. Used by graph-text.ts.
 *
 * Threading: pure, any thread.
 */
import { parseError, type TextField, type TextMessage, type TextValue } from './graph-text-lexer.js';
import { booleanOf } from './graph-text-options.js';

/** A message field's fields and where it starts. */
export interface FieldMessage {
  readonly fields: TextMessage;
  readonly pos: number;
}

/** Reads the fields of one message by name, remembering which were read so the rest can be refused. */
export class FieldReader {
  private readonly used = new Set<string>();

  constructor(
    private readonly src: string,
    private readonly fields: TextMessage,
    private readonly what: string,
  ) {}

  /** Every value of a repeated field. */
  values(name: string): TextValue[] {
    this.used.add(name);
    return this.fields.filter((f) => f.name === name && !f.extension).flatMap((f) => f.values);
  }

  /** The value of a singular field (undefined when absent). */
  single(name: string): TextValue | undefined {
    const values = this.values(name);
    if (values.length > 1) throw parseError(this.src, values[1]!.pos, `"${name}" given more than once`);
    return values[0];
  }

  stringValues(name: string): (TextValue & { kind: 'string' })[] {
    return this.values(name).map((v) => this.kind(name, v, 'string'));
  }

  strings(name: string): string[] {
    return this.stringValues(name).map((v) => v.value);
  }

  string(name: string): string | undefined {
    const v = this.single(name);
    return v === undefined ? undefined : this.kind(name, v, 'string').value;
  }

  int(name: string): number | undefined {
    const v = this.single(name);
    if (v === undefined) return undefined;
    const n = this.kind(name, v, 'number').value;
    if (!Number.isInteger(n)) throw parseError(this.src, v.pos, `"${name}" must be an integer`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.single(name);
    if (v === undefined) return undefined;
    const b =
      v.kind === 'ident' ? booleanOf(v.value) : v.kind === 'number' ? [false, true][v.value] : undefined;
    if (b === undefined) throw parseError(this.src, v.pos, `"${name}" must be true or false`);
    return b;
  }

  messages(name: string): FieldMessage[] {
    return this.values(name).map((v) => this.kind(name, v, 'message'));
  }

  message(name: string): FieldMessage | undefined {
    const v = this.single(name);
    return v === undefined ? undefined : this.kind(name, v, 'message');
  }

  /** Every field not read so far, extensions included, as written (nothing is refused). */
  rest(): TextField[] {
    return this.fields.filter((f) => f.extension || !this.used.has(f.name));
  }

  /** Refuses unknown fields; returns those of `ignored` that were written, for the config to keep. */
  done(ignored: readonly string[]): TextField[] {
    const kept: TextField[] = [];
    for (const f of this.fields) {
      if (f.extension || (!this.used.has(f.name) && !ignored.includes(f.name))) {
        const name = f.extension ? `[${f.name}]` : `"${f.name}"`;
        throw parseError(this.src, f.pos, `unknown ${this.what} field ${name}`);
      }
      if (!this.used.has(f.name)) kept.push(f);
    }
    return kept;
  }

  private kind<K extends TextValue['kind']>(name: string, v: TextValue, kind: K): TextValue & { kind: K } {
    if (v.kind !== kind) throw parseError(this.src, v.pos, `"${name}" must be a ${kind}, not a ${v.kind}`);
    return v as TextValue & { kind: K };
  }
}
