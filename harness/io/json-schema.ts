import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv as AjvType, AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import { isMap, isSeq, parseDocument, type Node } from 'yaml';
import { InputError, type SourcePosition } from '../core/input-error.js';
import { beyondDoubleText, lineAndColumn } from '../core/json-position.js';

/**
 * JSON files a user hands us (a truth.json, a baseline) are checked field by field against the JSON Schemas shipped
 * in `schemas/`, with ajv, the maintained validator of the JSON Schema standard. The first field that breaks its
 * schema becomes one InputError naming the file, the line and column of the field, its JSON path, what was found
 * and what its schema expects.
 */
export type JsonPath = (string | number)[];

const SCHEMA_DIR = new URL('../../../schemas/', import.meta.url);
const compiled = new Map<string, ValidateFunction>();
let ajv: AjvType | undefined;

function validatorFor(name: string): ValidateFunction {
  let validate = compiled.get(name);
  if (validate === undefined) {
    // Loaded on first use: every harness command starts with this module imported, few validate a JSON file.
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    ajv ??= new Ajv({ allErrors: false, verbose: true, strict: true });
    // `results#ConnectionScore`: one definition of a schema (a score line of a cell's scores.<view>.jsonl).
    const [file, definition] = name.split('#') as [string, string | undefined];
    const schema = JSON.parse(readFileSync(new URL(`${file}.schema.json`, SCHEMA_DIR), 'utf8')) as AnySchemaObject;
    validate = ajv.compile(definition === undefined ? schema : { ...schema, $id: undefined, $ref: `#/definitions/${definition}` });
    compiled.set(name, validate);
  }
  return validate;
}

/** Throws an InputError for the first field of `value` (parsed from `text`) that schemas/<name>.schema.json refuses. */
export function checkAgainstSchema(name: string, value: unknown, file: string, text: string, what: string): void {
  const validate = validatorFor(name);
  if (validate(value)) return;
  const error = (validate.errors ?? [])[0];
  if (error === undefined) throw new InputError({ file, line: 1, col: 1 }, 'a file its schema refuses', what);
  const path = pathOf(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    const allowed = Object.keys((error.parentSchema as AnySchemaObject).properties ?? {});
    throw new InputError(jsonPlace(file, text, [...path, key]), `key "${key}" in ${describePath(path)}`, `one of ${allowed.join(', ')}`);
  }
  if (error.keyword === 'required') {
    const key = String((error.params as { missingProperty: string }).missingProperty);
    const property = ((error.parentSchema as AnySchemaObject).properties ?? {})[key] as AnySchemaObject | undefined;
    throw new InputError(jsonPlace(file, text, path), `${describePath(path)} without "${key}"`, `"${key}": ${property ? expectedBy(resolve(property)) : 'a value'}`);
  }
  throw new InputError(jsonPlace(file, text, path), `${describePath(path)} = ${describeValue(error.data)}`, expectedBy(schemaOf(error)));
}

/** `$.connections[0].client.port`: how a person (and jq) names a field. */
export function describePath(path: JsonPath): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('')}`;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  const beyond = beyondDoubleText(value, '1e400');
  if (beyond !== undefined) return beyond;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Where the value at `path` starts in `text`: line and column, or line 0 when it cannot be found cheaply. */
export function jsonPlace(file: string, text: string, path: JsonPath): SourcePosition {
  // A truth of a million connections is far too large to parse twice; its JSON path alone names the place.
  if (text.length > 64 * 1024 * 1024) return { file: `${file} at ${describePath(path)}`, line: 0, col: 0 };
  const document = parseDocument(text, { uniqueKeys: false, keepSourceTokens: false });
  let node: unknown = document.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => String((item.key as { value?: unknown } | null)?.value) === String(part));
      if (pair === undefined) break;
      node = pair.value;
      offset = (pair.value as Node | null)?.range?.[0] ?? (pair.key as Node | null)?.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
      if (node === undefined) break;
      offset = (node as Node).range?.[0] ?? offset;
    } else break;
  }
  return { file, ...lineAndColumn(text, offset) };
}

function pathOf(pointer: string): JsonPath {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function schemaOf(error: ErrorObject): AnySchemaObject {
  // Errors on a keyword of a $ref'd definition carry that definition as parentSchema.
  return resolve(error.parentSchema as AnySchemaObject);
}

function resolve(schema: AnySchemaObject): AnySchemaObject {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace(/^#\/definitions\//, '');
    for (const validate of compiled.values()) {
      const found = ((validate.schema as AnySchemaObject).definitions ?? {})[name] as AnySchemaObject | undefined;
      if (found !== undefined) return found;
    }
  }
  return schema;
}

/** What a schema asks for, in words: its description when it has one, else read from its keywords. */
export function expectedBy(schema: AnySchemaObject): string {
  if (typeof schema.description === 'string' && schema.description.length < 160) return schema.description;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const range = (min: unknown, max: unknown): string =>
    min !== undefined && max !== undefined ? ` in ${String(min)}..${String(max)}` : min !== undefined ? ` of ${String(min)} or more` : max !== undefined ? ` of at most ${String(max)}` : '';
  switch (schema.type) {
    case 'integer': return `a whole number${range(schema.minimum, schema.maximum)}`;
    case 'number': return `a number${range(schema.minimum, schema.maximum)}`;
    case 'string': return schema.minLength ? 'a non-empty string' : 'a string';
    case 'boolean': return 'true or false';
    case 'array': return schema.minItems ? `a list of at least ${String(schema.minItems)}` : 'a list';
    case 'object': {
      const keys = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      return keys.length === 0 ? 'an object' : `an object with ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}`;
    }
    default: return 'a value its schema allows';
  }
}
