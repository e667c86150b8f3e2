// schema/plugin.json as jupyterlab_server reads it: it checks every
// settings schema against JSON Schema draft 4 (where, unlike later drafts,
// `exclusiveMinimum` is a boolean) and answers 500 to the whole settings
// list when one fails, so JupyterLab does not start. Checked here with the
// same library (Debian's python3-jsonschema, used by jupyterlab_server).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/tree.js';

test('schema/plugin.json is a valid draft-4 schema, and its defaults are valid settings', () => {
  const script = `
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft4Validator.check_schema(schema)
defaults = {k: v['default'] for k, v in schema['properties'].items() if 'default' in v}
jsonschema.Draft4Validator(schema).validate(defaults)
print('ok')
`;
  const r = spawnSync(
    '/usr/bin/python3',
    ['-c', script, join(ROOT, 'schema', 'plugin.json')],
    { encoding: 'utf8' }
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ok');
});
