import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type {
  DescriptionLoad,
  GitHubDescriptionName,
  Json,
} from './github-api-types';

// GitHub's OpenAPI description, loaded once per process, and the checks
// of one request against it.

export interface ParameterSpec {
  name: string;
  location: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  /** JSON pointer of the parameter object in the description. */
  pointer: string;
  schema: Json;
}

export interface OperationSpec {
  id: string;
  method: string;
  template: string;
  pointer: string;
  parameters: ParameterSpec[];
  body: BodySpec | undefined;
}

export interface BodySpec {
  required: boolean;
  /** Pointer of the JSON schema; undefined for a non-JSON body. */
  schemaPointer: string | undefined;
  /** Top-level property names, when the schema lists them all. */
  properties: ReadonlySet<string> | undefined;
}

export interface PathTemplate {
  template: string;
  pattern: RegExp;
  names: string[];
  literals: number;
  operations: Map<string, OperationSpec>;
}

export const SCHEMA_ID = 'github.json';

export const METHODS = [
  'get',
  'put',
  'post',
  'patch',
  'delete',
  'head',
  'options',
];

/**
 * One OpenAPI description: an index of path templates, and schema
 * validators compiled on first use per operation.
 *
 * The plain description (13 MB) is loaded, not the dereferenced one
 * (73 MB): Ajv resolves `$ref`s itself, so the plain file gives the same
 * validation for a quarter of the parse time and heap.
 */
export class GitHubDescription {
  private static readonly loaded = new Map<string, GitHubDescription>();
  private readonly byLength = new Map<number, PathTemplate[]>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv: Ajv;
  readonly load: DescriptionLoad;

  private constructor(
    name: GitHubDescriptionName,
    private readonly document: Json,
    started: number,
  ) {
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      validateSchema: false,
      logger: false,
    });
    addFormats(this.ajv);
    allowNullInNullableEnums(document);
    this.ajv.addSchema(document, SCHEMA_ID);
    const operations = this.index();
    this.load = {
      name,
      loadMs: Math.round(performance.now() - started),
      paths: Object.keys(this.paths()).length,
      operations,
    };
  }

  /** The description, parsed and indexed once per process. */
  static get(name: GitHubDescriptionName): GitHubDescription {
    const cached = GitHubDescription.loaded.get(name);
    if (cached !== undefined) return cached;
    const started = performance.now();
    const require = createRequire(import.meta.url);
    const file = require.resolve(`@octokit/openapi/generated/${name}.json`);
    const document = JSON.parse(readFileSync(file, 'utf8')) as Json;
    const description = new GitHubDescription(name, document, started);
    GitHubDescription.loaded.set(name, description);
    return description;
  }

  /** The operation for a method and path, with its path parameters. */
  match(
    method: string,
    path: string,
  ):
    | { operation: OperationSpec; params: Record<string, string> }
    | { error: string } {
    const segments = path.split('/').length;
    const candidates = (this.byLength.get(segments) ?? [])
      .filter((template) => template.pattern.test(path))
      .sort((a, b) => b.literals - a.literals);
    const template = candidates[0];
    if (template === undefined)
      return { error: `no path in GitHub's description matches ${path}` };
    const operation = template.operations.get(method.toLowerCase());
    if (operation === undefined)
      return { error: `${template.template} has no ${method} operation` };
    return { operation, params: pathParams(template, path) };
  }

  /** A validator for the schema at `pointer`, compiled once. */
  validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `${SCHEMA_ID}${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }

  /** A validator of an operation's path and query parameters. */
  parameterValidator(operation: OperationSpec): ValidateFunction {
    const key = `parameters:${operation.pointer}`;
    let validate = this.validators.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(parameterSchema(operation));
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** The pointer of an answer's JSON schema, when the operation has one. */
  responseSchema(operation: OperationSpec, status: number): string | undefined {
    const pointer = `${operation.pointer}/responses/${status}`;
    const response = this.resolve(pointer);
    if (response === undefined) return undefined;
    const content = response.value.content as Json | undefined;
    if (content?.['application/json'] === undefined) return undefined;
    return `${response.pointer}/content/application~1json/schema`;
  }

  /** The object at `pointer`, following `$ref`s. */
  resolve(pointer: string): { pointer: string; value: Json } | undefined {
    let current = pointer;
    for (let hops = 0; hops < 10; hops += 1) {
      const value = atPointer(this.document, current);
      if (value === undefined) return undefined;
      const ref = value.$ref;
      if (typeof ref !== 'string') return { pointer: current, value };
      current = ref;
    }
    return undefined;
  }

  private paths(): Record<string, Json> {
    return this.document.paths as Record<string, Json>;
  }

  private index(): number {
    let count = 0;
    for (const [template, item] of Object.entries(this.paths())) {
      const entry = compileTemplate(template);
      for (const method of METHODS) {
        if (item[method] === undefined) continue;
        entry.operations.set(method, this.operation(template, method, item));
        count += 1;
      }
      const length = template.split('/').length;
      const list = this.byLength.get(length) ?? [];
      list.push(entry);
      this.byLength.set(length, list);
    }
    return count;
  }

  private operation(
    template: string,
    method: string,
    item: Json,
  ): OperationSpec {
    const pointer = `#/paths/${escapePointer(template)}/${method}`;
    const operation = item[method] as Json;
    const shared = this.parameters(
      item.parameters,
      `#/paths/${escapePointer(template)}/parameters`,
    );
    const own = this.parameters(operation.parameters, `${pointer}/parameters`);
    const byKey = new Map<string, ParameterSpec>();
    for (const parameter of [...shared, ...own])
      byKey.set(`${parameter.location}:${parameter.name}`, parameter);
    return {
      id: String(operation.operationId),
      method: method.toUpperCase(),
      template,
      pointer,
      parameters: [...byKey.values()],
      body: this.body(`${pointer}/requestBody`),
    };
  }

  private parameters(list: unknown, pointer: string): ParameterSpec[] {
    if (!Array.isArray(list)) return [];
    return list.flatMap((_, index) => {
      const found = this.resolve(`${pointer}/${index}`);
      if (found === undefined) return [];
      const { value } = found;
      return [
        {
          name: String(value.name),
          location: value.in as ParameterSpec['location'],
          required: value.required === true,
          pointer: found.pointer,
          schema: this.resolveSchema((value.schema as Json | undefined) ?? {}),
        },
      ];
    });
  }

  private body(pointer: string): BodySpec | undefined {
    const found = this.resolve(pointer);
    if (found === undefined) return undefined;
    const content = (found.value.content ?? {}) as Json;
    const required = found.value.required === true;
    if (content['application/json'] === undefined)
      return { required, schemaPointer: undefined, properties: undefined };
    const schemaPointer = `${found.pointer}/content/application~1json/schema`;
    const schema = this.resolve(schemaPointer)?.value ?? {};
    return { required, schemaPointer, properties: listedProperties(schema) };
  }

  private resolveSchema(schema: Json): Json {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    return this.resolve(ref)?.value ?? schema;
  }
}

export /**
 * OpenAPI 3.0 lets `nullable: true` admit null even when an `enum` does
 * not list it, and GitHub's description relies on that (a check run's
 * `conclusion`); Ajv reads the enum strictly, so null is added to it.
 */
function allowNullInNullableEnums(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) allowNullInNullableEnums(item);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const schema = value as Json;
  if (schema.nullable === true && Array.isArray(schema.enum))
    if (!schema.enum.includes(null)) schema.enum.push(null);
  for (const inner of Object.values(schema)) allowNullInNullableEnums(inner);
}

function compileTemplate(template: string): PathTemplate {
  const names: string[] = [];
  let literals = 0;
  const source = template
    .split('/')
    .map((segment) => {
      if (!segment.includes('{')) literals += 1;
      return escapeRegExp(segment).replace(
        /\\\{([^}]+)\\\}/g,
        (_, name: string) => {
          names.push(name);
          return '([^/]+)';
        },
      );
    })
    .join('/');
  return {
    template,
    pattern: new RegExp(`^${source}$`),
    names,
    literals,
    operations: new Map(),
  };
}

export function pathParams(
  template: PathTemplate,
  path: string,
): Record<string, string> {
  const match = template.pattern.exec(path);
  const params: Record<string, string> = {};
  template.names.forEach((name, index) => {
    params[name] = safeDecode(match?.[index + 1] ?? '');
  });
  return params;
}

export function parameterSchema(operation: OperationSpec): Json {
  const properties: Json = {};
  const required: string[] = [];
  for (const parameter of operation.parameters) {
    if (parameter.location !== 'path' && parameter.location !== 'query')
      continue;
    const key = `${parameter.location}.${parameter.name}`;
    properties[key] = { $ref: `${SCHEMA_ID}${parameter.pointer}/schema` };
    if (parameter.required) required.push(key);
  }
  return { type: 'object', properties, required };
}

/** Property names of an object schema that lists all it allows. */
export function listedProperties(
  schema: Json,
): ReadonlySet<string> | undefined {
  const properties = schema.properties;
  if (properties === null || typeof properties !== 'object') return undefined;
  if (schema.additionalProperties !== undefined) return undefined;
  if (schema.oneOf ?? schema.anyOf ?? schema.allOf) return undefined;
  return new Set(Object.keys(properties));
}

export function atPointer(document: Json, pointer: string): Json | undefined {
  let current: unknown = document;
  for (const raw of pointer.replace(/^#\//, '').split('/')) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    current = (current as Json)[key];
  }
  return current !== null && typeof current === 'object'
    ? (current as Json)
    : undefined;
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Loads a description (once per process) and says what it cost; the
 * double calls this on start, a test may call it to measure.
 */
export function loadGitHubDescription(
  name: GitHubDescriptionName = 'api.github.com',
): DescriptionLoad {
  return GitHubDescription.get(name).load;
}

export interface ParsedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  raw: Buffer;
}

export interface Validated {
  operation: OperationSpec | undefined;
  params: Record<string, string>;
  body: unknown;
  errors: string[];
  /** The body was not JSON at all: GitHub's "Problems parsing JSON". */
  unparseable: boolean;
}

export function validateRequest(
  description: GitHubDescription,
  request: ParsedRequest,
): Validated {
  const parsed = parseBody(request);
  const result: Validated = {
    operation: undefined,
    params: {},
    body: parsed.body,
    errors: [],
    unparseable: parsed.unparseable,
  };
  const match = description.match(request.method, request.path);
  if ('error' in match) {
    result.errors.push(match.error);
    return result;
  }
  result.operation = match.operation;
  result.params = match.params;
  result.errors.push(
    ...checkParameters(
      description,
      match.operation,
      match.params,
      request.query,
    ),
    ...checkBody(description, match.operation, request, parsed),
  );
  return result;
}

export function parseBody(request: ParsedRequest): {
  body: unknown;
  unparseable: boolean;
} {
  if (request.raw.length === 0) return { body: undefined, unparseable: false };
  const text = request.raw.toString('utf8');
  try {
    return { body: JSON.parse(text) as unknown, unparseable: false };
  } catch {
    return { body: text, unparseable: true };
  }
}

export function checkParameters(
  description: GitHubDescription,
  operation: OperationSpec,
  params: Record<string, string>,
  query: Record<string, string>,
): string[] {
  const errors: string[] = [];
  const values: Json = {};
  const known = new Set<string>();
  for (const parameter of operation.parameters) {
    if (parameter.location === 'query') known.add(parameter.name);
    const source = parameter.location === 'path' ? params : query;
    const value = source[parameter.name];
    if (value === undefined) continue;
    values[`${parameter.location}.${parameter.name}`] = coerce(
      value,
      parameter.schema,
    );
  }
  for (const name of Object.keys(query))
    if (!known.has(name))
      errors.push(`query parameter '${name}' is not in the description`);
  const validate = description.parameterValidator(operation);
  if (!validate(values)) errors.push(...ajvErrors('', validate.errors));
  return errors;
}

/** Query and path values are text; the schema says what they mean. */
export function coerce(value: string, schema: Json): unknown {
  const type = schema.type;
  if (
    (type === 'integer' || type === 'number') &&
    /^-?\d+(\.\d+)?$/.test(value)
  )
    return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false'))
    return value === 'true';
  if (type === 'array') return value.split(',');
  return value;
}

export function checkBody(
  description: GitHubDescription,
  operation: OperationSpec,
  request: ParsedRequest,
  parsed: { body: unknown; unparseable: boolean },
): string[] {
  const spec = operation.body;
  const hasBody = request.raw.length > 0;
  if (spec === undefined)
    return hasBody ? [`${operation.id} takes no request body`] : [];
  if (!hasBody) return spec.required ? ['the request body is required'] : [];
  if (spec.schemaPointer === undefined) return [];
  if (parsed.unparseable) return ['the request body is not JSON'];
  const contentType = request.headers['content-type'] ?? '';
  const errors: string[] = [];
  if (!contentType.startsWith('application/json'))
    errors.push(`content-type '${contentType}' is not application/json`);
  const validate = description.validator(spec.schemaPointer);
  if (!validate(parsed.body))
    errors.push(...ajvErrors('body', validate.errors));
  errors.push(...unknownProperties(spec, parsed.body));
  return errors;
}

/**
 * GitHub ignores unknown top-level fields; the double reports them,
 * since one is almost always a misspelt parameter.
 */
export function unknownProperties(spec: BodySpec, body: unknown): string[] {
  if (spec.properties === undefined || !isRecord(body)) return [];
  const allowed = spec.properties;
  return Object.keys(body)
    .filter((key) => !allowed.has(key))
    .map((key) => `body/${key} is not a property in the description`);
}

export function ajvErrors(
  prefix: string,
  errors: ErrorObject[] | null | undefined,
): string[] {
  return (errors ?? []).map((error) => {
    const where = `${prefix}${error.instancePath}` || '/';
    const extra =
      error.keyword === 'enum'
        ? ` (${JSON.stringify(error.params.allowedValues)})`
        : '';
    return `${where} ${error.message ?? 'is invalid'}${extra}`;
  });
}

/** A JSON value as text: strings as they are, anything else empty. */
export function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
