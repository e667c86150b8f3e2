/**
 * What a newcomer meets first (issue 12), in real Chromium at 1280x800: the
 * demo notebook opens unmodified and Submit saves nothing it need announce;
 * the report, `.amlignore`, clean-folder and Submit dialogs as they look;
 * names with invisible characters listed visibly; the copy's tab told apart
 * from the original's; the harness answers JupyterLab's event stream.
 * Screenshots go to $SNAPSHOT_GUARD_SCREENS (if set) for a look by eye.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import type { Locator } from 'playwright-core';
import { REPO_ROOT } from './harness.js';
import {
  MiB,
  amlignoreRows,
  dialogButton,
  recordToasts,
  sparse,
  useLab,
  writeFiles,
  writeNotebook,
  type IScenario
} from './scenario.js';

const s = useLab('first-run');

/** The demo project of `npm start`, made by its own script. */
async function makeDemo(dir: string): Promise<void> {
  const url = pathToFileURL(join(REPO_ROOT, 'scripts', 'demo.js')).href;
  const { createDemo } = (await import(url)) as {
    createDemo(dir: string): void;
  };
  createDemo(dir);
}

/** A screenshot at 1280x800 for the report, when a folder is given. */
async function screen(s: IScenario, name: string): Promise<void> {
  const dir = process.env.SNAPSHOT_GUARD_SCREENS;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    await s.page.screenshot({ path: join(dir, `${name}.png`) });
  }
}

/** Whether the open notebook `path` is marked modified. */
function isDirty(s: IScenario, path: string): Promise<boolean> {
  return s.page.evaluate(p => {
    const shell = (window as any).jupyterapp.shell;
    const w = [...shell.widgets('main')].find(
      (x: any) => x.context?.path === p
    );
    return w.context.model.dirty as boolean;
  }, path);
}

/** Wait until the kernel's info and spec reached the notebook's model. */
async function kernelInfoApplied(s: IScenario, path: string): Promise<void> {
  await s.page.evaluate(async p => {
    const shell = (window as any).jupyterapp.shell;
    const w = [...shell.widgets('main')].find(
      (x: any) => x.context?.path === p
    );
    const kernel = w.sessionContext.session.kernel;
    await kernel.info;
    await kernel.spec;
    // The panel's own handlers of the same promises ran before this one.
    await new Promise(resolve => setTimeout(resolve, 0));
  }, path);
}

/** Texts of the rows' name elements: shown text and exact tooltip. */
async function pathNames(
  scope: Locator
): Promise<{ shown: string; exact: string }[]> {
  return scope.locator('.jp-SnapshotGuard-path').evaluateAll(els =>
    els.map(el => ({
      shown: el.textContent ?? '',
      exact: el.getAttribute('title') ?? ''
    }))
  );
}

test('the harness answers the event stream: no 404 on /api/events', t =>
  s.run(t, async () => {
    const failed: string[] = [];
    const onResponse = (r: { url(): string; status(): number }) => {
      if (r.url().includes('/api/events') && r.status() >= 400) {
        failed.push(`${r.status()} ${r.url()}`);
      }
    };
    s.page.on('response', onResponse);
    const socket = s.page.waitForEvent('websocket', {
      predicate: ws => ws.url().includes('/api/events/subscribe'),
      timeout: 60_000
    });
    await s.page.reload();
    await s.page.waitForFunction(
      () => document.body.dataset.labHarness === 'ready',
      undefined,
      { timeout: 60_000 }
    );
    const ws = await socket;
    assert.equal(ws.isClosed(), false, 'the event socket stays open');
    s.page.off('response', onResponse);
    assert.deepEqual(failed, []);
  }));

test('the demo opens unmodified; its report, .amlignore, clean folder and Submit dialogs', t =>
  s.run(t, async () => {
    await s.page.setViewportSize({ width: 1280, height: 800 });
    const dir = join(s.root, 'demo');
    await makeDemo(dir);
    const toasts = await recordToasts(s);
    await s.open('demo/analysis.ipynb');
    await kernelInfoApplied(s, 'demo/analysis.ipynb');
    assert.equal(
      await isDirty(s, 'demo/analysis.ipynb'),
      false,
      'the demo notebook is not modified once its kernel is connected'
    );

    // The report: nothing to save, so nothing said about saving.
    await s.submit('demo/analysis.ipynb');
    let dialog = await s.dialog('jp-SnapshotGuard-reportDialog');
    await screen(s, 'report');
    // At 1280 px the report's actions sit on one row.
    const tops = await dialog
      .locator('.jp-Dialog-footer button')
      .evaluateAll(els => els.map(el => el.getBoundingClientRect().top));
    assert.ok(tops.length >= 4, `the report's actions: ${tops.length}`);
    assert.equal(new Set(tops).size, 1, `the actions' rows: ${tops}`);
    assert.equal(
      (await toasts()).filter(t => /^Saved /.test(t)).length,
      0,
      'no "Saved …" notification'
    );

    // .amlignore: .git/ is offered unchecked and says why.
    await dialogButton(dialog, 'Write .amlignore…').click();
    dialog = await s.dialog('jp-SnapshotGuard-amlignoreDialog');
    const rows = await amlignoreRows(dialog);
    assert.deepEqual(
      rows.find(r => r.pattern === '.git/'),
      { pattern: '.git/', checked: false },
      JSON.stringify(rows)
    );
    const gitRow = dialog.locator('.jp-SnapshotGuard-line', {
      has: s.page.locator('code', { hasText: /^\.git\/$/ })
    });
    assert.match(
      (await gitRow.locator('.jp-SnapshotGuard-optional').textContent()) ?? '',
      /unchecked: .*a job that runs git .*needs it/
    );
    // The preview shows both markers whole: no line cut, no scrolling.
    await dialog.locator('.jp-SnapshotGuard-preview summary').click();
    const pre = dialog.locator('.jp-SnapshotGuard-preview pre');
    await pre.waitFor();
    const box = await pre.evaluate(el => ({
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
      scrollHeight: el.scrollHeight,
      clientHeight: el.clientHeight,
      text: el.textContent ?? ''
    }));
    assert.match(box.text, /^# >>> jupyterlab-snapshot-guard: /m);
    assert.match(box.text, /^# <<< jupyterlab-snapshot-guard$/m);
    assert.ok(
      box.scrollWidth <= box.clientWidth,
      `no line is cut: ${JSON.stringify(box)}`
    );
    assert.ok(
      box.scrollHeight <= box.clientHeight,
      `the box fits its text: ${JSON.stringify(box)}`
    );
    await pre.scrollIntoViewIfNeeded();
    await screen(s, 'amlignore');
    await dialogButton(dialog, 'Cancel').click();
    await dialog.waitFor({ state: 'detached' });

    // Move to a clean folder: the copy's tab is marked with its folder and
    // the file browser lists the new folder at once.
    await s.page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('filebrowser:go-to-path', {
        path: 'demo/'
      })
    );
    await s.submit('demo/analysis.ipynb');
    dialog = await s.dialog('jp-SnapshotGuard-reportDialog');
    await dialogButton(dialog, 'Move to a clean folder').click();
    dialog = await s.dialog('jp-SnapshotGuard-cleanDialog');
    assert.match(
      (await dialog.locator('.jp-SnapshotGuard-hint').textContent()) ?? '',
      /new tab whose title is marked with the new folder’s name/
    );
    await screen(s, 'clean-folder');
    await dialogButton(dialog, 'Copy').click();
    await s.toast('success', /^Snapshot OK/);
    const listed = await s.page.evaluate(() =>
      [...document.querySelectorAll('.jp-DirListing-itemText')].map(
        el => el.textContent
      )
    );
    assert.ok(
      listed.includes('analysis-job'),
      `the file browser lists analysis-job once the copy is open: ${listed}`
    );
    const tabs = await s.page
      .locator('.lm-DockPanel-tabBar .lm-TabBar-tab')
      .evaluateAll(els =>
        els.map(el => ({
          label: el.querySelector('.lm-TabBar-tabLabel')?.textContent ?? '',
          folder:
            el.querySelector('.jp-SnapshotGuard-tabFolder')?.textContent ??
            null,
          shown: (el as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
          // On screen, not clipped by the icon's box: how much of the
          // folder's name can be seen, and how wide the whole name is.
          folderSeen: (() => {
            const span = el.querySelector('.jp-SnapshotGuard-tabFolder');
            const host = span?.parentElement;
            if (!span || !host) {
              return null;
            }
            const r = span.getBoundingClientRect();
            const box = host.getBoundingClientRect();
            return {
              seen: Math.min(r.right, box.right) - Math.max(r.left, box.left),
              needed: span.scrollWidth
            };
          })(),
          tooltip: el.getAttribute('title') ?? ''
        }))
      );
    const named = tabs.filter(t => t.label === 'analysis.ipynb');
    assert.equal(named.length, 2, JSON.stringify(tabs));
    const copyTab = named.find(t => t.folder !== null);
    const originalTab = named.find(t => t.folder === null);
    assert.ok(copyTab && originalTab, JSON.stringify(tabs));
    assert.equal(copyTab.folder, 'analysis-job/');
    assert.equal(copyTab.shown, 'analysis-job/ analysis.ipynb');
    assert.ok(
      copyTab.folderSeen !== null &&
        copyTab.folderSeen.needed > 0 &&
        copyTab.folderSeen.seen >= copyTab.folderSeen.needed - 1,
      `the folder's name is visible in the tab: ${JSON.stringify(copyTab.folderSeen)}`
    );
    assert.equal(originalTab.shown, 'analysis.ipynb');
    assert.match(copyTab.tooltip, /demo\/analysis-job\/analysis\.ipynb/);

    // Submit: required fields marked, no error before the user acts.
    dialog = await s.dialog('jp-SnapshotGuard-submitDialog');
    const compute = dialog.locator('[data-field="compute"]');
    assert.match(
      (await compute.locator('label').textContent()) ?? '',
      /^Compute\s*required$/
    );
    const problem = dialog.locator('.jp-SnapshotGuard-problem');
    assert.equal((await problem.textContent())?.trim(), '');
    const submit = dialogButton(dialog, 'Submit');
    assert.equal(await submit.isDisabled(), false);
    await screen(s, 'submit');
    // Pressed anyway: the dialog stays, says what is missing, focuses it.
    await submit.click();
    await problem.getByText('Enter Compute.').waitFor();
    assert.ok(await dialog.isVisible());
    const input = compute.locator('input');
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    // Focus follows React's commit: wait for it (a timeout fails the test).
    await s.page.waitForFunction(
      el => el === document.activeElement,
      await input.elementHandle(),
      { timeout: 10_000 }
    );
    await input.fill('cpu-cluster');
    assert.equal((await problem.textContent())?.trim(), '');
    await dialogButton(dialog, 'Cancel').click();
    await dialog.waitFor({ state: 'detached' });

    // Leaving the empty field shows the error too.
    await s.submit('demo/analysis-job/analysis.ipynb');
    dialog = await s.dialog('jp-SnapshotGuard-submitDialog');
    const again = dialog.locator('[data-field="compute"] input');
    assert.equal(await again.inputValue(), '');
    assert.equal(
      (await dialog.locator('.jp-SnapshotGuard-problem').textContent())?.trim(),
      ''
    );
    await again.focus();
    await s.page.keyboard.press('Tab');
    await dialog
      .locator('.jp-SnapshotGuard-problem')
      .getByText('Enter Compute.')
      .waitFor();
    await dialogButton(dialog, 'Cancel').click();
    await dialog.waitFor({ state: 'detached' });
  }));

test('a change only the kernel made is saved without a word; an edit is announced', t =>
  s.run(t, async () => {
    const dir = s.folder('kernel-meta');
    // language_info without the kernel's details: the kernel fills them in.
    writeNotebook(join(dir, 'meta.ipynb'), ['x = 1']);
    const toasts = await recordToasts(s);
    await s.open('kernel-meta/meta.ipynb');
    await kernelInfoApplied(s, 'kernel-meta/meta.ipynb');
    assert.equal(await isDirty(s, 'kernel-meta/meta.ipynb'), true);
    await s.submit('kernel-meta/meta.ipynb');
    await s.toast('success', /^Snapshot OK/);
    await s.cancelSubmitDialog('meta.ipynb');
    assert.deepEqual(
      (await toasts()).filter(t => /^Saved /.test(t)),
      [],
      'no "Saved …" for the kernel metadata'
    );
    const saved = JSON.parse(readFileSync(join(dir, 'meta.ipynb'), 'utf8'));
    assert.equal(typeof saved.metadata.language_info.version, 'string');
    assert.equal(await isDirty(s, 'kernel-meta/meta.ipynb'), false);
  }));

/**
 * Names that look like others, and how they are listed; each file 80 MiB,
 * 320 MiB in all. No extension, so the advisor offers a line per file.
 */
const ODD: Record<string, string> = {
  'new\nline': 'new⏎line',
  ' lead': '␣lead',
  'trail ': 'trail␣',
  'tab\tname': 'tab⇥name'
};

test('names with a line break, tab or blank ends are listed visibly', t =>
  s.run(t, async () => {
    const dir = s.folder('odd');
    writeNotebook(join(dir, 'odd.ipynb'));
    writeFiles(dir, { 'keep.py': 'x = 1\n' });
    for (const name of Object.keys(ODD)) {
      sparse(join(dir, name), 80 * MiB);
    }
    await s.open('odd/odd.ipynb');
    await s.submit('odd/odd.ipynb');
    let dialog = await s.dialog('jp-SnapshotGuard-reportDialog');
    const bars = await pathNames(dialog.locator('.jp-SnapshotGuard-bars'));
    for (const [exact, shown] of Object.entries(ODD)) {
      assert.deepEqual(
        bars.find(b => b.exact === exact),
        { shown, exact },
        JSON.stringify(bars)
      );
    }
    await screen(s, 'report-odd-names');

    await dialogButton(dialog, 'Write .amlignore…').click();
    dialog = await s.dialog('jp-SnapshotGuard-amlignoreDialog');
    const labels = await pathNames(dialog.locator('.jp-SnapshotGuard-lines'));
    const odd = labels.filter(l => l.exact in ODD);
    assert.ok(odd.length > 0, JSON.stringify(labels));
    for (const l of odd) {
      assert.equal(l.shown, ODD[l.exact]);
    }
    // The lines themselves stay exact, in the list and in the preview.
    const expected: Record<string, string> = {
      'new\nline': '/new?line',
      ' lead': '/ lead',
      'trail ': '/trail[ ]',
      'tab\tname': '/tab\tname'
    };
    await dialog.locator('.jp-SnapshotGuard-preview summary').click();
    const preview =
      (await dialog.locator('.jp-SnapshotGuard-preview pre').textContent()) ??
      '';
    const patterns = (await amlignoreRows(dialog)).map(r => r.pattern);
    for (const l of odd) {
      assert.ok(patterns.includes(expected[l.exact]), JSON.stringify(patterns));
      assert.ok(
        preview.split('\n').includes(expected[l.exact]),
        JSON.stringify(preview)
      );
    }
    await dialogButton(dialog, 'Cancel').click();
    await dialog.waitFor({ state: 'detached' });
  }));
