import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { corpusPath } from './corpus';

/** Checks one document; returns the schema errors, empty when valid. */
export type SchemaCheck = (document: unknown) => string[];

/**
 * A validator for SARIF 2.1.0 logs against the official OASIS schema in
 * the corpus. Call it only after `corpusAvailable()` said yes.
 *
 * Limitation: the schema is draft-04 and Ajv 8 speaks draft-07, so its
 * `$schema` and top-level `id` are dropped before compiling; the schema
 * uses no keyword whose meaning changed between the two drafts.
 */
export function sarifSchemaCheck(): SchemaCheck {
  const path = corpusPath('schemas', 'sarif', 'sarif-schema-2.1.0.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as Record<
    string,
    unknown
  >;
  delete schema.$schema;
  delete schema.id;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (document) => {
    if (validate(document)) return [];
    return (validate.errors ?? []).map(
      (error) => `${error.instancePath || '/'} ${error.message ?? 'invalid'}`,
    );
  };
}
