import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { corpusPath } from './corpus';
import type { SchemaCheck } from './sarif-schema';

/**
 * A validator for CycloneDX 1.6 JSON BOMs against the official schema in
 * the corpus, with the SPDX licence-id and JSF schemas it references by
 * relative `$id`. Call it only after `corpusAvailable()` said yes.
 *
 * Limitation: Ajv has no `iri-reference` or `idn-email` format; those
 * are checked as `uri-reference` and `email`, which accept less (an IRI
 * with non-ASCII characters would be refused).
 */
export function cycloneDxSchemaCheck(): SchemaCheck {
  const dir = ['schemas', 'cyclonedx'];
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('iri-reference', ajv.formats['uri-reference'] ?? true);
  ajv.addFormat('idn-email', ajv.formats.email ?? true);
  ajv.addSchema(readSchema(...dir, 'spdx.schema.json'));
  ajv.addSchema(readSchema(...dir, 'jsf-0.82.schema.json'));
  return checker(ajv.compile(readSchema(...dir, 'bom-1.6.schema.json')));
}

/**
 * A validator for SPDX 2.3 JSON documents against the official schema in
 * the corpus (JSON Schema 2019-09). Call it only after
 * `corpusAvailable()` said yes.
 */
export function spdxSchemaCheck(): SchemaCheck {
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats(ajv);
  return checker(
    ajv.compile(readSchema('schemas', 'spdx', 'spdx-2.3-schema.json')),
  );
}

function readSchema(...parts: string[]): Record<string, unknown> {
  return JSON.parse(readFileSync(corpusPath(...parts), 'utf8')) as Record<
    string,
    unknown
  >;
}

function checker(validate: ValidateFunction): SchemaCheck {
  return (document) => {
    if (validate(document)) return [];
    return (validate.errors ?? []).map(
      (error) => `${error.instancePath || '/'} ${error.message ?? 'invalid'}`,
    );
  };
}
