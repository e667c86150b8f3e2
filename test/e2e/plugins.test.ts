/**
 * Issue 11: one plugin per feature, each of which a user can disable on its
 * own (page_config.json's `disabledExtensions`). With the catcher and the
 * archive target disabled, the rest still works and those two are gone.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dialogButton, notebookJson, useLab } from './scenario.js';

const CATCHER = 'jupyterlab-snapshot-guard:catcher';
const ARCHIVE = 'jupyterlab-snapshot-guard:archive-target';

// The SDK's snapshot error as azureml-core raises it (spec section 7).
const SDK_ERROR = [
  'raise Exception("""',
  'While attempting to take snapshot of /tmp/x',
  'Your total snapshot size exceeds the limit of 300.0 MB.',
  'Please see http://aka.ms/troubleshooting-code-snapshot on how to work with large snapshots.',
  '""")'
].join('\n');

const s = useLab('plugins', {
  lab: { disabledPlugins: [CATCHER, ARCHIVE] }
});

test('a disabled plugin is left out; the others work without it', t =>
  s.run(t, async () => {
    const plugins = await s.page.evaluate(
      ids =>
        ids.map(id => ({
          id,
          has: (window as any).jupyterapp.hasPlugin(id),
          active: (window as any).jupyterapp.isPluginActivated(id)
        })),
      [
        CATCHER,
        ARCHIVE,
        'jupyterlab-snapshot-guard:plugin',
        'jupyterlab-snapshot-guard:azureml-target',
        'jupyterlab-snapshot-guard:command-target',
        'jupyterlab-snapshot-guard:toolbar'
      ]
    );
    assert.deepEqual(
      plugins.map(p => [p.id.split(':')[1], p.has]),
      [
        ['catcher', false],
        ['archive-target', false],
        ['plugin', true],
        ['azureml-target', true],
        ['command-target', true],
        ['toolbar', true]
      ]
    );

    // The SDK's error in a cell's output, then a Submit: by the time its
    // dialog is open, an enabled catcher would have shown its toast (it
    // emits on the output's change; see catcher-and-folder.test.ts).
    const dir = s.folder('job');
    writeFileSync(join(dir, 'job.ipynb'), notebookJson([SDK_ERROR]));
    await s.open('job/job.ipynb');
    const panel = await s.panel('job/job.ipynb');
    await panel.locator('.jp-Cell .cm-content').first().click();
    await s.page.keyboard.press('Shift+Enter');
    await panel
      .locator('.jp-OutputArea-output', { hasText: 'exceeds the limit' })
      .waitFor({ timeout: 60_000 });
    await s.submit('job/job.ipynb');
    const dialog = await s.dialog('jp-SnapshotGuard-submitDialog');
    // The Submit dialog offers the targets that are left.
    const targets = await dialog
      .locator('select.jp-SnapshotGuard-target option')
      .evaluateAll(els => els.map(el => (el as HTMLOptionElement).value));
    assert.deepEqual(targets, ['azureml', 'command']);
    assert.equal(
      await s.page
        .locator('.Toastify__toast', { hasText: 'Azure ML refused' })
        .count(),
      0,
      'no catcher toast'
    );
    await dialogButton(dialog, 'Cancel').click();
    await dialog.waitFor({ state: 'detached' });
  }));
