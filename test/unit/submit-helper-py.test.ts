// The helper's submit ops (src/kernel/helper/archive.py, azure.py): saving a zip atomically
// outside the snapshot folder (upload_*) and submitting to Azure ML
// (submit_azureml). Run for real by driver scripts (on several Pythons) that
// import the helper's joined source as a module. Azure cannot be reached: the SDKs are the
// TEST DOUBLES of an unreachable service in test/fixtures/azure-double/,
// put on PYTHONPATH (or left off to see "SDK missing").
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync
} from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { py as runPy } from '../helpers/helper-driver.js';
import { DEBIAN_PYTHON, helperPythons } from '../helpers/pythons.js';
import { ROOT, tempFolders } from '../helpers/tree.js';

// The interpreter of the suite running now (set by each suite's before()).
let interpreter = DEBIAN_PYTHON;
const DOUBLE = join(ROOT, 'test', 'fixtures', 'azure-double');

const { folder } = tempFolders('sg-submit-');

/**
 * Run a snippet after PRELUDE on the interpreter of the suite running now,
 * with only PATH and `env` (the Azure doubles are on PYTHONPATH only when a
 * test puts them there).
 */
function py(
  root: string,
  snippet: string,
  env: Record<string, string> = {}
): any {
  return runPy(root, snippet, { python: interpreter, bareEnv: true, env });
}

// Every suite once per interpreter: the oldest supported, Debian's and the
// newest available; a missing interpreter is one test saying so.
for (const python of helperPythons()) {
  for (const [title, tests] of [
    ['upload_* (a zip saved on the server)', uploadTests],
    ['submit_azureml (against the SDK test doubles)', azuremlTests]
  ] as const) {
    describe(`${title} on ${python.label}`, () => {
      if (python.missing) {
        test(`NOT RUN on ${python.label}: ${python.missing}`, t => {
          t.diagnostic(`not tested on ${python.label}: ${python.missing}`);
          t.skip(python.missing!);
        });
        return;
      }
      before(() => {
        interpreter = python.path!;
      });
      tests();
    });
  }
}

function uploadTests(): void {
  test('nothing is visible until the commit; the commit never clobbers', () => {
    const root = folder({ 'proj/a.txt': 'a' });
    const out = py(
      root,
      String.raw`
u = call('upload_begin', path='proj.zip', outside='proj')['result']
out['begin'] = u
call('upload_chunk', token=u['token'], buffers=[b'PK', memoryview(b'\x03\x04')])
out['during'] = sorted(os.listdir(ROOT))
out['commit'] = call('upload_commit', token=u['token'], overwrite=False)
v = call('upload_begin', path='proj.zip', outside='proj')['result']
out['exists'] = v['exists']
call('upload_chunk', token=v['token'], buffers=[b'new'])
out['clobber'] = call('upload_commit', token=v['token'], overwrite=False)
out['after_refusal'] = sorted(os.listdir(ROOT))
w = call('upload_begin', path='proj.zip', outside='proj')['result']
call('upload_chunk', token=w['token'], buffers=[b'newer'])
out['replace'] = call('upload_commit', token=w['token'], overwrite=True)
x = call('upload_begin', path='other.zip', outside='proj')['result']
call('upload_chunk', token=x['token'], buffers=[b'x'])
out['abort'] = call('upload_abort', token=x['token'])
out['late_chunk'] = call('upload_chunk', token=x['token'], buffers=[b'x'])
out['final'] = sorted(os.listdir(ROOT))
`
    );
    assert.equal(out.begin.partial, null, 'anonymous (O_TMPFILE) partial');
    assert.equal(out.begin.exists, false);
    assert.deepEqual(out.during, ['proj'], 'invisible while written');
    assert.deepEqual(out.commit.result, { path: 'proj.zip', size: 4 });
    assert.equal(out.exists, true);
    assert.equal(out.clobber.error.type, 'Exists');
    assert.deepEqual(out.after_refusal, ['proj', 'proj.zip']);
    assert.equal(out.replace.ok, true);
    assert.deepEqual(out.abort.result, { discarded: true });
    assert.equal(out.late_chunk.error.type, 'NotFound');
    assert.deepEqual(out.final, ['proj', 'proj.zip']);
    assert.equal(readFileSync(join(root, 'proj.zip'), 'utf8'), 'newer');
  });

  test('without O_TMPFILE a named partial is used, then renamed or removed', () => {
    const root = folder({ 'proj/a.txt': 'a', 'out/keep.txt': 'k' });
    const out = py(
      root,
      String.raw`
del os.O_TMPFILE
u = call('upload_begin', path='out/z.zip', outside='proj')['result']
out['partial'] = u['partial']
call('upload_chunk', token=u['token'], buffers=[b'zip'])
out['during'] = sorted(os.listdir(os.path.join(ROOT, 'out')))
out['commit'] = call('upload_commit', token=u['token'], overwrite=False)
out['after'] = sorted(os.listdir(os.path.join(ROOT, 'out')))
# A kernel that died leaves its partial; the next one removes it.
v = call('upload_begin', path='out/y.zip', outside='proj')['result']
h2 = Helper(ROOT)
out['discard'] = h2.dispatch('upload_discard', {'partial': v['partial']})[0]
out['left'] = sorted(os.listdir(os.path.join(ROOT, 'out')))
try:
    h2.dispatch('upload_discard', {'partial': 'out/keep.txt'})
except HelperError as e:
    out['refused'] = e.type
`
    );
    assert.match(out.partial, /^out\/\.sg-upload-\d+-[0-9a-f]{8}\.part$/);
    assert.deepEqual(out.during, [out.partial.slice(4), 'keep.txt'].sort());
    assert.equal(out.commit.ok, true);
    assert.deepEqual(out.after, ['keep.txt', 'z.zip']);
    assert.deepEqual(out.discard, { removed: true });
    assert.deepEqual(out.left, ['keep.txt', 'z.zip']);
    assert.equal(out.refused, 'BadRequest', 'only partial zips are removed');
  });

  test('a path inside the snapshot folder is refused, also through a link', () => {
    const root = folder({ 'proj/sub/a.txt': 'a' });
    symlinkSync(join(root, 'proj', 'sub'), join(root, 'alias'));
    const out = py(
      root,
      String.raw`
out['inside'] = call('upload_begin', path='proj/sub/x.zip', outside='proj')
out['itself'] = call('upload_begin', path='proj', outside='proj')
out['link'] = call('upload_begin', path='alias/x.zip', outside='proj')
out['root'] = call('upload_begin', path='x.zip', outside='')
out['dotdot'] = call('upload_begin', path='../x.zip', outside='proj')
out['missing'] = call('upload_begin', path='nope/x.zip', outside='proj')
`
    );
    for (const key of ['inside', 'itself', 'link', 'root']) {
      assert.equal(out[key].error.type, 'InsideSnapshot', key);
    }
    assert.match(out.inside.error.message, /next snapshot/);
    assert.equal(out.dotdot.error.type, 'BadPath');
    assert.equal(out.missing.error.type, 'NotFound');
    assert.deepEqual(readdirSync(join(root, 'proj', 'sub')), ['a.txt']);
  });
}

function azuremlTests(): void {
  const CONFIG = JSON.stringify({
    subscription_id: 's',
    resource_group: 'r',
    workspace_name: 'w'
  });

  test('v1 and v2 submit the folder as code; every field passed arrives', () => {
    const root = folder({
      'proj/config.json': CONFIG,
      'proj/.amlignore': 'data/\n',
      'proj/nb.ipynb': '{}'
    });
    const record = join(folder(), 'calls.jsonl');
    const out = py(
      root,
      String.raw`
for sdk in ('v1', 'v2'):
    out[sdk] = call('submit_azureml', sdk=sdk, folder='proj', command='papermill nb.ipynb outputs/nb.ipynb',
                    compute='cpu-cluster', environment='env:2', experiment='exp', display_name='nb.ipynb')
`,
      { PYTHONPATH: DOUBLE, AZURE_DOUBLE_RECORD: record }
    );
    assert.equal(out.v1.ok, true, JSON.stringify(out.v1));
    assert.equal(out.v2.ok, true, JSON.stringify(out.v2));
    const calls = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map(l => JSON.parse(l));
    const only = (name: string) => {
      const found = calls.filter(c => c.call === name);
      assert.equal(found.length, 1, `${name} called once`);
      return found[0];
    };
    const proj = join(root, 'proj');
    const command = 'papermill nb.ipynb outputs/nb.ipynb';

    // SDK v1: the workspace from the folder's config.json, environment
    // 'env:2' as name and version, the ScriptRunConfig, the experiment, then
    // the display name on the run.
    assert.equal(only('Workspace.from_config').path, proj);
    assert.equal(
      only('Workspace.from_config').found,
      join(proj, 'config.json')
    );
    const env = only('Environment.get');
    assert.deepEqual([env.name, env.version], ['env', '2']);
    const src = only('ScriptRunConfig');
    assert.deepEqual(
      [src.source_directory, src.command, src.compute_target, src.environment],
      [proj, command, 'cpu-cluster', 'env']
    );
    const v1 = only('Experiment.submit');
    assert.equal(v1.ok, true);
    assert.deepEqual(
      [v1.code, v1.command, v1.compute, v1.environment, v1.experiment],
      [proj, command, 'cpu-cluster', 'env', 'exp']
    );
    assert.equal(v1.amlignore, 'data/\n');
    assert.equal(v1.config, join(proj, 'config.json'));
    const shown = only('Run.display_name');
    assert.deepEqual([shown.name, shown.display_name], [v1.name, 'nb.ipynb']);
    assert.deepEqual(out.v1.result, {
      name: v1.name,
      studioUrl: v1.studio_url,
      status: null,
      experiment: 'exp',
      sdk: 'azureml-core 0.0.0+double'
    });

    // SDK v2: MLClient from the folder's config.json, one command job with
    // every field, environment 'env:2' passed as it is.
    assert.equal(only('MLClient.from_config').path, proj);
    assert.deepEqual(only('command').kwargs, {
      code: proj,
      command,
      compute: 'cpu-cluster',
      environment: 'env:2',
      experiment_name: 'exp',
      display_name: 'nb.ipynb'
    });
    const v2 = only('jobs.create_or_update');
    assert.equal(v2.ok, true);
    assert.deepEqual(
      [
        v2.code,
        v2.command,
        v2.compute,
        v2.environment,
        v2.experiment,
        v2.display_name
      ],
      [proj, command, 'cpu-cluster', 'env:2', 'exp', 'nb.ipynb']
    );
    assert.equal(v2.amlignore, 'data/\n');
    assert.equal(v2.config, join(proj, 'config.json'));
    assert.deepEqual(out.v2.result, {
      name: v2.name,
      studioUrl: v2.studio_url,
      status: 'Starting',
      experiment: 'exp',
      sdk: 'azure-ai-ml 0.0.0+double'
    });
    assert.match(v2.studio_url, /^https:\/\/ml\.azure\.com\/runs\//);
  });

  test('optional fields left empty are not passed', () => {
    const root = folder({ 'proj/config.json': CONFIG });
    const record = join(folder(), 'calls.jsonl');
    const out = py(
      root,
      String.raw`
out['v2'] = call('submit_azureml', sdk='v2', folder='proj', command='python a.py', experiment='exp')
out['v1'] = call('submit_azureml', sdk='v1', folder='proj', command='python a.py', experiment='exp')
out['latest'] = call('submit_azureml', sdk='v1', folder='proj', command='python a.py', experiment='exp',
                     environment='env@latest')
`,
      { PYTHONPATH: DOUBLE, AZURE_DOUBLE_RECORD: record }
    );
    assert.equal(out.v1.ok, true, JSON.stringify(out.v1));
    assert.equal(out.v2.ok, true, JSON.stringify(out.v2));
    const calls = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map(l => JSON.parse(l));
    assert.equal(out.latest.ok, true, JSON.stringify(out.latest));
    // The first two submissions look up no environment; name@latest is
    // the name without a version (the SDK's latest).
    const envs = calls.filter(c => c.call === 'Environment.get');
    assert.deepEqual(
      envs.map(c => [c.name, c.version]),
      [['env', null]]
    );
    const names = calls.map(c => c.call);
    assert.ok(!names.includes('Run.display_name'), 'no display name set');
    assert.deepEqual(calls.find(c => c.call === 'command').kwargs, {
      code: join(root, 'proj'),
      command: 'python a.py',
      experiment_name: 'exp'
    });
    const src = calls.filter(c => c.call === 'ScriptRunConfig');
    assert.deepEqual(
      src.map(c => [c.compute_target, c.environment]),
      [
        [null, null],
        [null, 'env']
      ]
    );
  });

  test('each SDK exception class gets its message, whatever its text says', () => {
    // config.json's double.raise makes the doubles raise that class, from
    // its real module, with a text that names no keyword ("double: Name")
    // unless the case gives one.
    type Case = [
      sdk: 'v1' | 'v2',
      cls: string,
      at: 'from_config' | 'submit',
      type: string,
      message: RegExp,
      text?: string
    ];
    const cases: Case[] = [
      [
        'v2',
        'azure.core.exceptions.ClientAuthenticationError',
        'submit',
        'AuthFailed',
        /^Azure sign-in failed: double: ClientAuthenticationError .*AZURE_CLIENT_ID/
      ],
      [
        'v2',
        'azure.identity.CredentialUnavailableError',
        'submit',
        'AuthFailed',
        /^Azure sign-in failed: double: CredentialUnavailableError/
      ],
      [
        'v2',
        'azure.core.exceptions.ServiceRequestError',
        'submit',
        'Unreachable',
        /^Azure ML could not be reached from the server: double: ServiceRequestError .*proxy/
      ],
      // The class wins over a text that reads like another error.
      [
        'v2',
        'azure.core.exceptions.ServiceRequestError',
        'submit',
        'Unreachable',
        /^Azure ML could not be reached/,
        'DefaultAzureCredential failed to retrieve a token'
      ],
      [
        'v2',
        'azure.ai.ml.exceptions.ValidationException',
        'from_config',
        'NoConfig',
        /^No usable Azure ML workspace configuration: config\.json was found neither in 'v2-4'/
      ],
      [
        'v2',
        'azure.core.exceptions.ResourceNotFoundError',
        'submit',
        'SdkError',
        /^ResourceNotFoundError: double: ResourceNotFoundError$/
      ],
      [
        'v2',
        'azure.core.exceptions.HttpResponseError',
        'submit',
        'SdkError',
        /^HttpResponseError: double: HttpResponseError$/
      ],
      [
        'v2',
        'azure.ai.ml.exceptions.UserErrorException',
        'submit',
        'SdkError',
        /^UserErrorException: double: UserErrorException$/
      ],
      [
        'v1',
        'azureml.exceptions.AuthenticationException',
        'from_config',
        'AuthFailed',
        /^Azure sign-in failed: double: AuthenticationException Sign in on the server \(for example az login/
      ],
      [
        'v1',
        'azureml.exceptions.SnapshotException',
        'submit',
        'SnapshotTooBig',
        /^Azure ML refused the snapshot: double: SnapshotException$/
      ],
      [
        'v1',
        'azureml.exceptions.UserErrorException',
        'from_config',
        'NoConfig',
        /config\.json was found neither in 'v1-2'/
      ],
      [
        'v1',
        'azureml.exceptions.ProjectSystemException',
        'from_config',
        'NoConfig',
        /config\.json was found neither in 'v1-3'/
      ],
      [
        'v1',
        'azureml.exceptions.WorkspaceException',
        'from_config',
        'NoConfig',
        /config\.json was found neither in 'v1-4'/
      ],
      [
        'v1',
        'azureml.exceptions.ProjectSystemException',
        'submit',
        'SdkError',
        /^ProjectSystemException: double: ProjectSystemException$/
      ],
      [
        'v1',
        'azureml.exceptions.ExperimentExecutionException',
        'submit',
        'SdkError',
        /^ExperimentExecutionException: double: ExperimentExecutionException$/
      ],
      [
        'v1',
        'azureml.exceptions.ComputeTargetException',
        'submit',
        'SdkError',
        /^ComputeTargetException: double: ComputeTargetException$/
      ],
      // Errors of no known class: the text is the fallback.
      [
        'v2',
        'builtins.RuntimeError',
        'submit',
        'AuthFailed',
        /^Azure sign-in failed: DefaultAzureCredential failed/,
        'DefaultAzureCredential failed to retrieve a token'
      ],
      [
        'v1',
        'builtins.RuntimeError',
        'submit',
        'SnapshotTooBig',
        /^Azure ML refused the snapshot: Your total snapshot size exceeds/,
        'Your total snapshot size exceeds the limit of 300.0 MB'
      ],
      [
        'v1',
        'builtins.RuntimeError',
        'submit',
        'SdkError',
        /^RuntimeError: double: RuntimeError$/
      ]
    ];
    const counts = { v1: 0, v2: 0 };
    const files: Record<string, string> = {};
    const named = cases.map(([sdk, cls, at, , , text]) => {
      const dir = `${sdk}-${counts[sdk]++}`;
      files[`${dir}/config.json`] = JSON.stringify({
        ...JSON.parse(CONFIG),
        double: {
          raise: { class: cls, at, ...(text ? { message: text } : {}) }
        }
      });
      return dir;
    });
    const root = folder(files);
    const out = py(
      root,
      String.raw`
for i, (sdk, folder) in enumerate(json.loads(os.environ['CASES'])):
    out[i] = call('submit_azureml', sdk=sdk, folder=folder, command='x', compute='cpu-cluster',
                  environment='e', experiment='exp')
`,
      {
        PYTHONPATH: DOUBLE,
        AZURE_DOUBLE_RECORD: join(folder(), 'r.jsonl'),
        CASES: JSON.stringify(cases.map(([sdk], i) => [sdk, named[i]]))
      }
    );
    cases.forEach(([sdk, cls, at, type, message, text], i) => {
      const what = `${sdk} ${cls} at ${at}`;
      const error = out[i].error;
      assert.ok(error, `${what}: no error: ${JSON.stringify(out[i])}`);
      assert.equal(error.type, type, `${what}: ${error.message}`);
      assert.match(error.message, message, what);
      // The detail names the class by its real defining module.
      const real = cls
        .replace(
          /^azureml\.exceptions\./,
          'azureml.exceptions._azureml_exception.'
        )
        .replace(/^azure\.identity\./, 'azure.identity._exceptions.');
      assert.equal(
        error.detail,
        `${real}: ${text ?? `double: ${cls.split('.').pop()}`}`,
        what
      );
    });
  });

  test('errors come back typed and readable', () => {
    const root = folder({
      'auth/config.json': JSON.stringify({
        ...JSON.parse(CONFIG),
        double: { auth: 'fail' }
      }),
      'ok/config.json': CONFIG
    });
    mkdirSync(join(root, 'none'));
    const out = py(
      root,
      String.raw`
args = dict(command='x', compute='cpu-cluster', environment='e', experiment='exp')
for sdk in ('v1', 'v2'):
    out[sdk] = {
        'noconfig': call('submit_azureml', sdk=sdk, folder='none', **args),
        'auth': call('submit_azureml', sdk=sdk, folder='auth', **args),
        'compute': call('submit_azureml', sdk=sdk, folder='ok', **dict(args, compute='gpu')),
        'nofolder': call('submit_azureml', sdk=sdk, folder='gone', **args),
    }
out['badsdk'] = call('submit_azureml', sdk='v3', folder='ok', **args)
`,
      { PYTHONPATH: DOUBLE, AZURE_DOUBLE_RECORD: join(folder(), 'r.jsonl') }
    );
    for (const sdk of ['v1', 'v2']) {
      const r = out[sdk];
      assert.equal(r.noconfig.error.type, 'NoConfig', sdk);
      assert.match(
        r.noconfig.error.message,
        /config\.json was found neither in 'none'/
      );
      assert.equal(r.auth.error.type, 'AuthFailed', sdk);
      assert.equal(r.compute.error.type, 'UnknownCompute', sdk);
      assert.match(
        r.compute.error.message,
        /no compute named 'gpu'\. Computes in this workspace: cpu-cluster\./
      );
      assert.equal(r.nofolder.error.type, 'NotFound', sdk);
    }
    // Each by the class the SDK raises there, named in the detail.
    const detail = (sdk: string, key: string) =>
      String(out[sdk][key].error.detail).split(':')[0];
    assert.deepEqual(
      ['noconfig', 'auth', 'compute'].map(k => detail('v1', k)),
      [
        'azureml.exceptions._azureml_exception.UserErrorException',
        'azureml.exceptions._azureml_exception.AuthenticationException',
        'azureml.exceptions._azureml_exception.ExperimentExecutionException'
      ]
    );
    assert.deepEqual(
      ['noconfig', 'auth', 'compute'].map(k => detail('v2', k)),
      [
        'azure.ai.ml.exceptions.ValidationException',
        'azure.core.exceptions.ClientAuthenticationError',
        'azure.core.exceptions.ResourceNotFoundError'
      ]
    );
    assert.equal(out.badsdk.error.type, 'BadRequest');
  });

  test('a missing SDK is named, with the pip command for the kernel’s Python', () => {
    const root = folder({ 'proj/config.json': CONFIG });
    const out = py(
      root,
      String.raw`
for sdk in ('v1', 'v2'):
    out[sdk] = call('submit_azureml', sdk=sdk, folder='proj', command='x', compute='c', environment='e', experiment='x')
`
    );
    assert.equal(out.v1.error.type, 'SdkMissing');
    assert.equal(out.v1.error.package, 'azureml-core');
    assert.match(out.v1.error.message, /pip install azureml-core/);
    assert.equal(out.v2.error.type, 'SdkMissing');
    assert.equal(out.v2.error.package, 'azure-ai-ml');
    assert.match(
      out.v2.error.message,
      /The Python package azure-ai-ml is not installed .* pip install azure-ai-ml azure-identity/
    );
    assert.ok(!existsSync(join(root, 'proj', '.amlignore')));
  });
}
