/**
 * No Python kernelspec on the server (issue 3): the guard falls back to the
 * Contents API, which cannot see hidden files, and says so with every
 * result: beside the OK notification and in the report dialog. Its fixes
 * still work as far as the Contents API allows.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openLab, startLab } from './harness.js';
import {
  MiB,
  referenceCheck,
  tempDir,
  dialogButton,
  formatBytes,
  reportNumbers,
  sparse,
  useLab,
  writeFiles,
  writeNotebook
} from './scenario.js';

/**
 * What the Contents API sees of what azureml-core uploads (the reference):
 * files, bytes, without dotfiles.
 */
function visible(dir: string): { files: number; bytes: number } {
  const paths = referenceCheck(dir).files.filter(
    p => !p.split('/').some(seg => seg.startsWith('.'))
  );
  return {
    files: paths.length,
    bytes: paths.reduce((n, p) => n + statSync(join(dir, p)).size, 0)
  };
}

/** The notebooks' kernel: an ipykernel that does not declare Python. */
const KERNEL = {
  name: 'not-python',
  display_name: 'Not Python',
  language: 'r'
};

const s = useLab('contents', {
  lab: {
    kernelSpecs: {
      [KERNEL.name]: { displayName: KERNEL.display_name, language: 'r' }
    }
  }
});

const CAVEAT =
  'Hidden files such as .git could not be seen (no Python kernel for the helper); Azure ML will upload them unless excluded.';

test('the server offers no Python kernelspec', async () => {
  const specs = (await (await s.lab.api('/api/kernelspecs')).json()) as {
    kernelspecs: Record<string, { spec: { language: string } }>;
  };
  assert.deepEqual(Object.keys(specs.kernelspecs), [KERNEL.name]);
});

test('no Python kernel: OK notification with the caveat', t =>
  s.run(t, async () => {
    const dir = s.folder('small');
    writeNotebook(join(dir, 'small.ipynb'), ['x = 1'], KERNEL);
    writeFiles(dir, { 'utils.py': 'x = 1\n', '.git/HEAD': 'ref\n' });
    await s.open('small/small.ipynb');
    await s.submit('small/small.ipynb');
    const ok = await s.toast('success', /^Snapshot OK/);
    // The Contents API does not see .git/ or .ipynb_checkpoints/.
    const seen = visible(dir);
    assert.equal(
      ok,
      `Snapshot OK: ${seen.files} files, ${formatBytes(seen.bytes)} of 300 MB`
    );
    const caveat = await s.toast('warning', /^Hidden files/);
    assert.equal(caveat, CAVEAT);
    await s.cancelSubmitDialog('small.ipynb');
    // No helper session was started.
    const sessions = (await (await s.lab.api('/api/sessions')).json()) as {
      name: string;
    }[];
    assert.ok(!sessions.some(x => x.name === 'Snapshot Guard helper'));
  }));

test('no Python kernel: the report shows the caveat; clean folder works', t =>
  s.run(t, async () => {
    const dir = s.folder('big');
    writeNotebook(
      join(dir, 'big.ipynb'),
      ['import helpers\n', 'from pkg.sub import mod'],
      KERNEL
    );
    writeFiles(dir, {
      'helpers.py': 'y = 2\n',
      'pkg/__init__.py': '',
      'pkg/sub/__init__.py': '',
      'pkg/sub/mod.py': 'z = 3\n'
    });
    sparse(join(dir, 'data.bin'), 301 * MiB);
    await s.open('big/big.ipynb');
    await s.submit('big/big.ipynb');
    const report = await s.dialog('jp-SnapshotGuard-reportDialog');
    assert.equal(
      (await report.locator('.jp-SnapshotGuard-caveat').textContent())?.trim(),
      CAVEAT
    );
    const shown = await reportNumbers(report);
    assert.deepEqual({ files: shown.files, bytes: shown.bytes }, visible(dir));
    await s.shot('report-contents');

    // .amlignore cannot be written through the Contents API: the text is
    // shown to save by hand, and nothing is written.
    await dialogButton(report, 'Write .amlignore…').click();
    const aml = await s.dialog('jp-SnapshotGuard-amlignoreDialog');
    const errorsBefore = s.errors.length;
    await dialogButton(aml, 'Write').click();
    const manual = s.page.locator('.jp-Dialog', {
      hasText: 'Save .amlignore yourself'
    });
    await manual.waitFor();
    // The text keeps its lines (it was once flowed into one paragraph).
    const text = (await manual.locator('pre').textContent()) ?? '';
    const lines = text.split('\n');
    assert.match(lines[0], /^# >>> jupyterlab-snapshot-guard/);
    assert.ok(lines.includes('*.bin'), text);
    await s.shot('contents-save-yourself');
    await dialogButton(manual, 'Close').click();
    await manual.waitFor({ state: 'detached' });
    assert.equal(existsSync(join(dir, '.amlignore')), false);
    // The refused write is the one request that fails (the browser logs
    // it): a new .amlignore is saved under a temporary hidden name first.
    const refused = s.errors.splice(errorsBefore);
    assert.equal(refused.length, 1, refused.join('\n'));
    assert.match(
      refused[0],
      /status of 400 .*\/api\/contents\/big\/\.sg-tmp-[0-9a-z]+\.part/
    );
    assert.deepEqual(
      readdirSync(dir).filter(n => n.startsWith('.sg-')),
      []
    );

    // Move to a clean folder works through the Contents API.
    await s.submit('big/big.ipynb');
    const again = await s.dialog('jp-SnapshotGuard-reportDialog');
    await dialogButton(again, 'Move to a clean folder').click();
    const clean = await s.dialog('jp-SnapshotGuard-cleanDialog');
    await dialogButton(clean, 'Copy').click();
    // helpers.py and the pkg/ package (three files, in nested folders).
    await s.toast(
      'success',
      /^Copied big\.ipynb and 4 companion files into big\/big-job\.$/
    );
    await s.toast('success', /^Snapshot OK/);
    await s.cancelSubmitDialog('big.ipynb');
    const job = join(dir, 'big-job');
    assert.deepEqual(
      readdirSync(job)
        .filter(n => !n.startsWith('.'))
        .sort(),
      ['big.ipynb', 'helpers.py', 'pkg']
    );
    assert.equal(
      readFileSync(join(job, 'pkg/sub/mod.py'), 'utf8'),
      readFileSync(join(dir, 'pkg/sub/mod.py'), 'utf8')
    );
    assert.equal(
      readFileSync(join(job, 'helpers.py'), 'utf8'),
      readFileSync(join(dir, 'helpers.py'), 'utf8')
    );
  }));

test('allow_hidden, no Python kernel: an existing .amlignore is appended to', t =>
  s.run(t, async () => {
    // A second server on its own root, which shows and writes dotfiles.
    const root = tempDir('contents-hidden');
    const lab = await startLab({
      rootDir: root,
      allowHidden: true,
      kernelSpecs: {
        [KERNEL.name]: { displayName: KERNEL.display_name, language: 'r' }
      }
    });
    try {
      const dir = join(root, 'proj');
      writeNotebook(join(dir, 'proj.ipynb'), ['x = 1'], KERNEL);
      const original = Buffer.from('# ours\n*.log', 'utf8');
      writeFileSync(join(dir, '.amlignore'), original);
      writeFiles(dir, { 'run.log': 'log\n' });
      sparse(join(dir, 'data/big.bin'), 301 * MiB);
      await openLab(s.page, lab);
      await s.open('proj/proj.ipynb');
      await s.submit('proj/proj.ipynb');
      const report = await s.dialog('jp-SnapshotGuard-reportDialog');
      assert.match((await reportNumbers(report)).ruleSource, /\.amlignore/);
      await dialogButton(report, 'Write .amlignore…').click();
      const aml = await s.dialog('jp-SnapshotGuard-amlignoreDialog');
      await dialogButton(aml, 'Write').click();
      await s.toast('success', /^Snapshot OK/);
      await s.cancelSubmitDialog('proj.ipynb');
      const written = readFileSync(join(dir, '.amlignore'));
      assert.ok(written.subarray(0, original.length).equals(original));
      assert.equal(referenceCheck(dir).verdict, 'ok');
    } finally {
      await s.closeNotebooks().catch(() => undefined);
      // Back to this file's server before this one stops: a page polling a
      // stopped server fills the console with refused connections.
      await openLab(s.page, s.lab).catch(() => undefined);
      await lab.stop();
      rmSync(root, { recursive: true, force: true });
    }
  }));

test('no Python kernel: the status-bar meter shows what the Contents API sees, with the caveat', t =>
  s.run(t, async () => {
    const dir = s.folder('meter');
    writeNotebook(join(dir, 'meter.ipynb'), ['x = 1'], KERNEL);
    writeFiles(dir, { 'utils.py': 'x = 1\n', '.git/HEAD': 'ref\n' });
    await s.open('meter/meter.ipynb');
    const meter = s.page.locator('.jp-SnapshotGuard-statusMeterBody');
    await s.page.waitForFunction(
      () =>
        (
          document.querySelector(
            '.jp-SnapshotGuard-statusMeterBody'
          ) as HTMLElement | null
        )?.dataset.verdict === 'ok'
    );
    // By construction: the notebook and utils.py; .git/ is hidden from the
    // Contents API (which is what the caveat says).
    const bytes =
      statSync(join(dir, 'meter.ipynb')).size + Buffer.byteLength('x = 1\n');
    assert.equal(await meter.getAttribute('data-files'), '2');
    assert.equal(await meter.getAttribute('data-bytes'), String(bytes));
    assert.ok((await meter.getAttribute('title'))?.includes(CAVEAT));
    assert.match((await meter.getAttribute('class')) ?? '', /jp-mod-caveat/);
  }));
