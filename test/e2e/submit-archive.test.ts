/**
 * The "Snapshot archive" submit target end to end (issue 4): the zip is
 * packed in the page (fflate, streaming) from chunks the helper kernel
 * reads, then downloaded by Chromium or saved on the server. Its entries
 * must equal what azureml-core uploads (the independent reference), `unzip -t` must pass, non-ASCII names
 * must survive; Cancel and a helper kernel killed mid-way leave nothing.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import {
  dialogButton,
  MiB,
  namesIn,
  noise,
  referenceCheck,
  submitAndWait,
  unzipCheck,
  useBrowser,
  useLab,
  writeFiles,
  writeNotebook,
  type IScenario
} from './scenario.js';
import { hexName, zipEntries } from '../helpers/zip-names.js';

const shared = useBrowser();

/** A folder with hidden, excluded and non-ASCII files. */
function mixedFolder(dir: string, notebook: string): void {
  writeNotebook(join(dir, notebook));
  writeFiles(dir, {
    '.amlignore': '*.log\n__pycache__/\n',
    '.git/HEAD': 'ref: refs/heads/main\n',
    'données/résumé.txt': 'é'.repeat(1000),
    '日本語.csv': 'a,b\n1,2\n',
    'emoji 😀.md': '# 😀\n',
    // NFD: "e" + combining acute; must not be normalised.
    'cafe\u0301.txt': 'decomposed',
    'run.log': 'excluded',
    '__pycache__/m.pyc': 'excluded',
    'model.bin': noise(3 * MiB, 7),
    'empty.txt': ''
  });
}

/** A folder that takes a few seconds to pack: incompressible files. */
function slowFolder(dir: string, notebook: string): void {
  writeNotebook(join(dir, notebook));
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 160; i++) {
    files[`shards/shard-${String(i).padStart(3, '0')}.bin`] = noise(
      MiB / 2,
      i + 1
    );
  }
  writeFiles(dir, files);
}

/** Pick the archive target and a destination in the open Submit dialog. */
async function archiveTo(
  s: IScenario,
  dialog: import('playwright-core').Locator,
  serverPath?: string
): Promise<void> {
  await s.chooseTarget(dialog, 'Snapshot archive (zip)');
  if (serverPath === undefined) {
    await s.field(dialog, 'destination').selectOption('download');
    return;
  }
  await s.field(dialog, 'destination').selectOption('server');
  await s.field(dialog, 'serverPath').fill(serverPath);
}

/** Leftovers of a save: anything but `keep` in `dir`. */
function leftovers(dir: string, keep: string[] = []): string[] {
  return namesIn(dir).filter(n => !keep.includes(n));
}

describe('snapshot archive', () => {
  const s = useLab('archive', { browser: shared });

  test('download in Chromium: unzip -t passes, entries = the SDK upload list, names survive', t =>
    s.run(t, async () => {
      const dir = s.folder('archive-dl');
      mixedFolder(dir, 'nb.ipynb');
      await s.open('archive-dl/nb.ipynb');
      const dialog = await submitAndWait(s, 'archive-dl/nb.ipynb');
      await archiveTo(s, dialog);
      const [download] = await Promise.all([
        s.page.waitForEvent('download', { timeout: 30_000 }),
        dialogButton(dialog, 'Submit').click()
      ]);
      assert.equal(download.suggestedFilename(), 'archive-dl-snapshot.zip');
      // A folder of its own: no name another run (or user) could hold.
      const zip = join(
        mkdtempSync(join(tmpdir(), 'snapshot-guard-dl-')),
        'a.zip'
      );
      await download.saveAs(zip);
      try {
        const entries = unzipCheck(zip);
        assert.deepEqual([...entries].sort(), referenceCheck(dir).files);
        for (const name of [
          'données/résumé.txt',
          '日本語.csv',
          'emoji 😀.md',
          'cafe\u0301.txt',
          '.git/HEAD',
          '.amlignore'
        ]) {
          assert.ok(entries.includes(name), `${name} in the zip`);
        }
        assert.ok(!entries.includes('run.log'), 'excluded files stay out');
      } finally {
        rmSync(dirname(zip), { recursive: true, force: true });
      }
      await s.toast(
        'success',
        /Snapshot zip of archive-dl: .* downloaded as archive-dl-snapshot\.zip/
      );
    }));

  test('saved to a server path outside the folder, atomically; inside is refused', t =>
    s.run(t, async () => {
      const dir = s.folder('archive-srv');
      const exports = s.folder('exports-srv');
      mixedFolder(dir, 'nb.ipynb');
      await s.open('archive-srv/nb.ipynb');
      let dialog = await submitAndWait(s, 'archive-srv/nb.ipynb');
      await archiveTo(s, dialog, 'archive-srv/out.zip');
      await dialog
        .locator('.jp-SnapshotGuard-problem', {
          hasText: /must be saved outside the snapshot folder archive-srv/
        })
        .waitFor();
      assert.equal(await dialogButton(dialog, 'Submit').isDisabled(), true);
      await s.field(dialog, 'serverPath').fill('exports-srv/snap.zip');
      await dialogButton(dialog, 'Submit').click();
      await s.toast('success', /saved as exports-srv\/snap\.zip/);
      const zip = join(exports, 'snap.zip');
      assert.deepEqual(unzipCheck(zip).sort(), referenceCheck(dir).files);
      assert.deepEqual(leftovers(exports), ['snap.zip'], 'no partial file');
      assert.ok(!existsSync(join(dir, 'out.zip')));

      // Again: remembered, and an existing zip is replaced only when asked.
      await s.clearToasts();
      dialog = await submitAndWait(s, 'archive-srv/nb.ipynb');
      assert.equal(
        await s.field(dialog, 'serverPath').inputValue(),
        'exports-srv/snap.zip'
      );
      await dialogButton(dialog, 'Submit').click();
      const replace = await s.dialogTitled(/Replace exports-srv\/snap\.zip\?/);
      await dialogButton(replace, 'Replace').click();
      await s.toast('success', /saved as exports-srv\/snap\.zip/);
      assert.deepEqual(unzipCheck(zip).sort(), referenceCheck(dir).files);
      assert.deepEqual(leftovers(exports), ['snap.zip'], 'no partial file');
    }));

  test('names that are not valid UTF-8 keep their exact bytes in the zip', t =>
    s.run(t, async () => {
      const dir = s.folder('archive-raw');
      const exports = s.folder('exports-raw');
      writeNotebook(join(dir, 'nb.ipynb'));
      const bad = [0x62, 0x61, 0x64, 0xff, 0x2e, 0x74, 0x78, 0x74]; // bad\xff.txt
      const sub = [0x64, 0xe9, 0x6a, 0xe0]; // déjà in latin-1
      const raw = (...parts: number[][]) =>
        Buffer.concat([
          Buffer.from(`${dir}/`),
          ...parts.map(p => Buffer.from(p))
        ]);
      writeFileSync(raw(bad), 'raw name');
      mkdirSync(raw(sub));
      writeFileSync(
        raw(sub, [0x2f, 0x61, 0x2e, 0x74, 0x78, 0x74]),
        'in a raw folder'
      );
      await s.open('archive-raw/nb.ipynb');
      const dialog = await submitAndWait(s, 'archive-raw/nb.ipynb');
      await archiveTo(s, dialog, 'exports-raw/snap.zip');
      await dialogButton(dialog, 'Submit').click();
      await s.toast('success', /saved as exports-raw\/snap\.zip/);
      const entries = zipEntries(join(exports, 'snap.zip'));
      const byName = new Map(entries.map(e => [e.name, e]));
      assert.deepEqual(byName.get(hexName(bad)), {
        name: hexName(bad),
        utf8: false,
        content: 'raw name'
      });
      assert.equal(
        byName.get(hexName([...sub, 0x2f, 0x61, 0x2e, 0x74, 0x78, 0x74]))
          ?.content,
        'in a raw folder'
      );
      // Nothing renamed (U+FFFD is ef bf bd in UTF-8), nothing missing.
      assert.ok(
        entries.every(e => !e.name.includes('efbfbd')),
        entries.map(e => e.name).join(', ')
      );
      assert.equal(entries.length, referenceCheck(dir).fileCount);
    }));

  test('Cancel during packing leaves nothing behind', t =>
    s.run(t, async () => {
      const dir = s.folder('archive-cancel');
      const exports = s.folder('exports-cancel');
      slowFolder(dir, 'nb.ipynb');
      await s.open('archive-cancel/nb.ipynb');
      const dialog = await submitAndWait(s, 'archive-cancel/nb.ipynb');
      await archiveTo(s, dialog, 'exports-cancel/snap.zip');
      await dialogButton(dialog, 'Submit').click();
      const progress = await s.toastElement(
        'in-progress',
        /Packing the snapshot of archive-cancel: [1-9]/
      );
      // Packing yields to the page: its progress keeps being shown.
      const first = (await progress.textContent()) ?? '';
      await s.page.waitForFunction(
        shown =>
          [
            ...document.querySelectorAll(
              '.Toastify__toast.jp-Notification-Toast-in-progress'
            )
          ].some(
            el =>
              /Packing the snapshot of archive-cancel: [1-9]/.test(
                el.textContent ?? ''
              ) && el.textContent !== shown
          ),
        first,
        { timeout: 60_000 }
      );
      await progress.getByRole('button', { name: 'Cancel' }).click();
      await s.toast('info', /cancelled; nothing was saved/);
      assert.deepEqual(leftovers(exports), [], 'nothing in the destination');
      assert.deepEqual(
        leftovers(dir, ['nb.ipynb', 'shards', '.ipynb_checkpoints']),
        [],
        'nothing in the folder'
      );
    }));

  test('helper kernel killed during packing: clear message, no partial zip', t =>
    s.run(t, async () => {
      const dir = s.folder('archive-kill');
      const exports = s.folder('exports-kill');
      slowFolder(dir, 'nb.ipynb');
      await s.open('archive-kill/nb.ipynb');
      const dialog = await submitAndWait(s, 'archive-kill/nb.ipynb');
      await archiveTo(s, dialog, 'exports-kill/snap.zip');
      await dialogButton(dialog, 'Submit').click();
      await s.toast(
        'in-progress',
        /Packing the snapshot of archive-kill: [1-9]/
      );
      const helper = await s.helperKernel();
      assert.ok(helper, 'the helper kernel runs');
      const res = await s.lab.api(`/api/kernels/${helper.kernel}`, {
        method: 'DELETE'
      });
      assert.equal(res.status, 204);

      const error = await s.dialogTitled(/Snapshot archive not saved/);
      const text = (await error.locator('.jp-Dialog-body').textContent()) ?? '';
      assert.match(text, /helper kernel stopped while packing/);
      assert.match(text, /partial zip was discarded and nothing was saved/);
      await dialogButton(error, 'Close').click();
      assert.deepEqual(leftovers(exports), [], 'no partial zip');

      // The next Submit starts a new helper kernel and works.
      mkdirSync(join(dir, 'more'), { recursive: true });
      const again = await submitAndWait(s, 'archive-kill/nb.ipynb');
      await dialogButton(again, 'Cancel').click();
      const next = await s.helperKernel();
      assert.ok(next && next.kernel !== helper.kernel, 'a new helper kernel');
    }));
});
