import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { characterProblem } from '@billing/text';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

/** One problem with one field of a request, as clients see it in an error's `details`. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Request validation with TypeBox. Query strings, path params and headers arrive as text and
 * are converted to the schema's types only from their plain spelling (see `fromText`); a JSON
 * body is never converted, so `"amount": 10.5` is rejected rather than quietly becoming the
 * string "10.5". Every problem is reported, each
 * with a readable message; a schema may state its own with the `errorMessage` keyword (say,
 * what a currency code looks like).
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  // Filling in defaults walks the whole value; most schemas have none to fill (a property named
  // "default" also counts, which only costs the walk).
  const hasDefaults = JSON.stringify(schema).includes('"default"');
  return (input: unknown) => {
    const converted = httpPart === 'body' ? input : fromText(schema, input);
    const value = hasDefaults ? Value.Default(schema, converted) : converted;
    const unpaired = httpPart === 'body' ? unpairedSurrogates(value) : [];
    const valid = validator.Check(value);
    if (valid && unpaired.length === 0) return { value };
    const errors = withoutBranchErrors(valid ? [] : validator.Errors(value) as RawError[], schema, value);
    return { error: [...unpaired, ...errors.flatMap((error) => readable(error, schema))] };
  };
};

/**
 * Every string of a JSON body must be Unicode: an unpaired surrogate (`"\ud800"`) would silently
 * become U+FFFD on its way to protobuf or PostgreSQL. The free-text rule (@billing/text) refuses it
 * too, but its JSON Schema patterns cannot say so in a form test generators understand, so this
 * one check covers every body string, keys included.
 */
function unpairedSurrogates(value: unknown, path = ''): FastifySchemaValidationError[] {
  const problem = (at: string): FastifySchemaValidationError => ({
    keyword: 'unicode', instancePath: at, schemaPath: '#', params: {}, message: characterProblem('\ud800') ?? 'must be valid Unicode',
  });
  if (typeof value === 'string') return value.isWellFormed() ? [] : [problem(path)];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    return [...(key.isWellFormed() ? [] : [problem(at)]), ...unpairedSurrogates(item, at)];
  });
}

/**
 * A text property declared as an integer, number or boolean becomes one only when the text is
 * its plain spelling ("12", "-1.5", "true"). Anything else ("true" for an integer, "1e3", "0x10")
 * stays text and fails validation naming the field, where TypeBox's own conversion would turn
 * `limit=true` into 1.
 */
function fromText(schema: TSchema, input: unknown): unknown {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (properties === undefined || input === null || typeof input !== 'object') return input;
  const converted: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [name, property] of Object.entries(properties)) {
    const text = converted[name];
    if (typeof text !== 'string') continue;
    if (property.type === 'integer' && /^-?[0-9]+$/.test(text)) converted[name] = Number(text);
    else if (property.type === 'number' && /^-?[0-9]+(\.[0-9]+)?$/.test(text)) converted[name] = Number(text);
    else if (property.type === 'boolean' && (text === 'true' || text === 'false')) converted[name] = text === 'true';
  }
  return converted;
}

/**
 * A `oneOf` whose schema states an `errorMessage` (say, "give either amount, or quantity and
 * unitPrice") names its alternatives by their fields. When the value's fields point to exactly one
 * branch (it has every field that branch alone requires, and none that only other branches have),
 * that branch's problems are reported, as for a plain object: `amount: must be a decimal string`.
 * Otherwise the value fits no alternative and the message is reported once, instead of what each
 * branch missed.
 */
function withoutBranchErrors(errors: RawError[], root: TSchema, value: unknown): RawError[] {
  let kept = errors;
  for (const error of errors) {
    if (error.keyword !== 'oneOf') continue;
    const schema = schemaAt(root, error.schemaPath) as { errorMessage?: unknown; oneOf?: unknown } | undefined;
    if (typeof schema?.errorMessage !== 'string' || !Array.isArray(schema.oneOf)) continue;
    const prefix = `${error.schemaPath}/oneOf/`;
    const chosen = branchPointedTo(schema.oneOf as BranchSchema[], valueAt(value, error.instancePath));
    kept = kept.filter((other) => {
      if (other === error) return chosen === undefined;
      if (!other.schemaPath.startsWith(prefix)) return true;
      return chosen !== undefined && (other.schemaPath === `${prefix}${chosen}` || other.schemaPath.startsWith(`${prefix}${chosen}/`));
    });
  }
  return kept;
}

interface BranchSchema {
  required?: string[];
  properties?: Record<string, unknown>;
}

/** The index of the only branch whose own fields the value has, without another branch's own fields. */
function branchPointedTo(branches: BranchSchema[], value: unknown): number | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const present = new Set(Object.keys(value));
  const own = branches.map((branch, index) => {
    const others = new Set(branches.filter((_, other) => other !== index).flatMap((other) => Object.keys(other.properties ?? {})));
    return {
      required: (branch.required ?? []).filter((name) => !others.has(name)),
      only: Object.keys(branch.properties ?? {}).filter((name) => !others.has(name)),
    };
  });
  const pointed = own.flatMap((fields, index) => {
    const foreign = own.filter((_, other) => other !== index).flatMap((other) => other.only);
    return fields.required.every((name) => present.has(name)) && !foreign.some((name) => present.has(name)) ? [index] : [];
  });
  return pointed.length === 1 ? pointed[0] : undefined;
}

/** The part of a value a JSON pointer such as `/items/0` names. */
function valueAt(value: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, segment) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined), value);
}

interface RawError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
}

const ARTICLES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function readable(error: RawError, root: TSchema): FastifySchemaValidationError[] {
  const at = (property: string) => `${error.instancePath}/${property.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  if (error.keyword === 'required') {
    const missing = (error.params.requiredProperties as string[] | undefined) ?? [];
    return missing.map((property) => ({ ...error, instancePath: at(property), message: 'is required' }));
  }
  if (error.keyword === 'dependentRequired') {
    const needed = (error.params.dependencies as string[] | undefined) ?? [];
    return needed.map((property) => ({ ...error, instancePath: at(property), message: `is required with ${String(error.params.property)}` }));
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params.additionalProperties as string[] | undefined) ?? [];
    return extra.map((property) => ({ ...error, instancePath: at(property), message: 'is not an accepted field' }));
  }
  const stated = (schemaAt(root, error.schemaPath) as { errorMessage?: unknown } | undefined)?.errorMessage;
  return [{ ...error, message: typeof stated === 'string' ? stated : messageFor(error) }];
}

function messageFor({ keyword, params, message }: RawError): string {
  switch (keyword) {
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : [params.type];
      return `must be ${types.map((type) => ARTICLES[String(type)] ?? String(type)).join(' or ')}`;
    }
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'minLength':
      return `must be at least ${String(params.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters long`;
    case 'format':
      return `must be a valid ${String(params.format)}`;
    case 'pattern':
      return `must match the pattern ${String(params.pattern)}`;
    default:
      return message;
  }
}

/** The sub-schema a JSON pointer such as `#/properties/currency` names. */
function schemaAt(root: unknown, pointer: string): unknown {
  return pointer
    .replace(/^#\/?/, '')
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, segment) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined), root);
}

/**
 * Validation errors → field problems: `/items/0/amount` becomes `items[0].amount`; a problem
 * with the whole part (a body that is not an object) is named after the part.
 */
export function describeValidationErrors(
  errors: readonly FastifySchemaValidationError[],
  part: string | undefined,
): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const problem = { field: fieldPath(error.instancePath) || (part ?? 'request'), message: error.message ?? 'is invalid' };
    // One value can fail twice the same way (say, in two branches of a union): report it once.
    const key = `${problem.field}\0${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, segment) => {
      if (/^\d+$/.test(segment)) return `${path}[${segment}]`;
      return path === '' ? segment : `${path}.${segment}`;
    }, '');
}
