/**
 * The Submit button checks its notebook's folder (issue 3): the OK
 * notification and the report dialog show what azureml-core would upload
 * (the independent reference, test/helpers/reference-check.ts); unsaved
 * notebooks are saved first; a notebook at the server root works; the button
 * acts on its own panel; the palette has the commands; the report dialog
 * works from the keyboard.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import {
  MiB,
  checkText,
  dialogButton,
  focused,
  formatBytes,
  formatCount,
  referenceCheck,
  reportNumbers,
  sparse,
  useLab,
  writeFiles,
  writeNotebook
} from './scenario.js';

const s = useLab('check', {
  // A notebook at the server root whose folder (the root) is over the
  // limit; every other test works in its own subfolder.
  prepare: root => {
    writeNotebook(join(root, 'at-root.ipynb'), ['x = 1']);
    sparse(join(root, 'root-data.bin'), 400 * MiB);
  }
});

const LIMIT = formatBytes(300 * MiB);

test('a small folder: OK notification with the SDK numbers', t =>
  s.run(t, async () => {
    const dir = s.folder('small');
    writeNotebook(join(dir, 'small.ipynb'));
    writeFiles(dir, {
      'utils.py': 'def f():\n    return 1\n',
      '.hidden-notes.txt': 'dotfiles count too\n',
      'data/table.csv': 'a,b\n1,2\n'
    });
    sparse(join(dir, 'data/blob.bin'), 3 * MiB + 123);

    await s.open('small/small.ipynb');
    await s.submit('small/small.ipynb');
    const text = await s.toast('success', /^Snapshot OK/);

    const ref = referenceCheck(dir);
    assert.equal(ref.verdict, 'ok');
    // By construction: the notebook, utils.py, the dotfile and data/'s two
    // files (Jupyter may add a checkpoint: at least five).
    assert.ok(ref.fileCount >= 5 && ref.totalBytes > 3 * MiB + 123);
    assert.equal(text, checkText(ref));
    // No report: Submit goes on to its own dialog.
    await s.cancelSubmitDialog('small.ipynb');
  }));

test('a notebook at the server root: report with the root numbers; clean folder', t =>
  s.run(t, async () => {
    await s.open('at-root.ipynb');
    await s.submit('at-root.ipynb');
    const dialog = await s.dialog('jp-SnapshotGuard-reportDialog');
    const ref = referenceCheck(s.root);
    assert.equal(ref.verdict, 'over');
    assert.ok(ref.totalBytes >= 400 * MiB, 'root-data.bin alone is 400 MiB');
    const shown = await reportNumbers(dialog);
    assert.equal(shown.bytes, ref.totalBytes);
    assert.equal(shown.files, ref.fileCount);
    assert.equal(
      shown.headline,
      `${formatBytes(ref.totalBytes)} in ${formatCount(ref.fileCount)} files: over the ${LIMIT} limit`
    );
    // Named as the file browser names the root: the root folder's name.
    assert.equal(
      (await dialog.locator('.jp-SnapshotGuard-folder').textContent())?.trim(),
      `Code snapshot of ${basename(s.root)}`
    );
    await s.shot('report-root');

    // Its fix works at the root too: a clean folder beside the notebook.
    await dialogButton(dialog, 'Move to a clean folder').click();
    const clean = await s.dialog('jp-SnapshotGuard-cleanDialog');
    await dialogButton(clean, 'Copy').click();
    assert.equal(
      await s.toast('success', /^Copied /),
      'Copied at-root.ipynb into at-root-job.'
    );
    await s.toast('success', /^Snapshot OK/);
    await s.cancelSubmitDialog('at-root.ipynb');
    assert.ok(existsSync(join(s.root, 'at-root-job', 'at-root.ipynb')));
  }));

test('an unsaved notebook is saved before the check', t =>
  s.run(t, async () => {
    const dir = s.folder('unsaved');
    writeNotebook(join(dir, 'draft.ipynb'), ['a = 1']);
    await s.open('unsaved/draft.ipynb');
    const panel = await s.panel('unsaved/draft.ipynb');
    await panel.locator('.jp-Cell .cm-content').first().click();
    await s.page.keyboard.press('End');
    await s.page.keyboard.type('  # edited before Submit');
    await s.page.waitForFunction(
      () =>
        (window as any).jupyterapp.shell.currentWidget.context.model.dirty ===
        true
    );
    assert.doesNotMatch(
      readFileSync(join(dir, 'draft.ipynb'), 'utf8'),
      /edited before Submit/
    );

    await s.submit('unsaved/draft.ipynb');
    await s.toast('info', /^Saved draft\.ipynb before checking its folder\.$/);
    await s.toast('success', /^Snapshot OK/);
    await s.cancelSubmitDialog('draft.ipynb');
    const saved = JSON.parse(readFileSync(join(dir, 'draft.ipynb'), 'utf8'));
    const source = saved.cells[0].source;
    assert.equal(
      Array.isArray(source) ? source.join('') : source,
      'a = 1  # edited before Submit'
    );
    assert.equal(
      await s.page.evaluate(
        () => (window as any).jupyterapp.shell.currentWidget.context.model.dirty
      ),
      false
    );
  }));

test('the Submit button checks its own notebook, not the current one', t =>
  s.run(t, async () => {
    const big = s.folder('panel-big');
    writeNotebook(join(big, 'big.ipynb'));
    sparse(join(big, 'huge.bin'), 310 * MiB);
    const small = s.folder('panel-small');
    writeNotebook(join(small, 'small.ipynb'));

    await s.open('panel-big/big.ipynb');
    // Room for two toolbars side by side (else Submit overflows into "…").
    await s.page.evaluate(() =>
      (window as any).jupyterapp.shell.collapseLeft()
    );
    await s.page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('docmanager:open', {
        path: 'panel-small/small.ipynb',
        factory: 'Notebook',
        options: { mode: 'split-right' }
      })
    );
    await s.open('panel-small/small.ipynb');
    // Both panels are visible; the small one is current.
    await (await s.panel('panel-big/big.ipynb')).waitFor({ state: 'visible' });

    await s.submit('panel-big/big.ipynb');
    const report = await s.dialog('jp-SnapshotGuard-reportDialog');
    await report
      .locator('.jp-SnapshotGuard-folder')
      .getByText('Code snapshot of panel-big', { exact: true })
      .waitFor();
    assert.equal(
      (await reportNumbers(report)).bytes,
      referenceCheck(big).totalBytes
    );
    await dialogButton(report, 'Cancel').click();
    await report.waitFor({ state: 'detached' });

    // Make the big one current, then use the small one's button.
    await (
      await s.panel('panel-big/big.ipynb')
    )
      .locator('.jp-Cell')
      .first()
      .click();
    await s.submit('panel-small/small.ipynb');
    const text = await s.toast('success', /^Snapshot OK/);
    await s.cancelSubmitDialog('small.ipynb');
    assert.equal(text, checkText(referenceCheck(small)));
    assert.equal(await s.page.locator('.jp-Dialog').count(), 0);
    await s.page.evaluate(() => (window as any).jupyterapp.shell.expandLeft());
  }));

test('the command palette has Submit notebook and Check notebook folder snapshot', t =>
  s.run(t, async () => {
    const dir = s.folder('palette');
    writeNotebook(join(dir, 'p.ipynb'));
    await s.open('palette/p.ipynb');
    const palette = s.page.locator('.jp-ModalCommandPalette');
    const input = palette.locator('.lm-CommandPalette-input');
    const item = (label: string) =>
      palette.locator('.lm-CommandPalette-item', {
        has: s.page.locator('.lm-CommandPalette-itemLabel', {
          hasText: new RegExp(`^${label}$`)
        })
      });
    await s.page.evaluate(() =>
      (window as any).jupyterapp.commands.execute(
        'apputils:activate-command-palette'
      )
    );
    await input.fill('Submit notebook');
    await item('Submit notebook').waitFor();
    await input.fill('Check notebook folder snapshot');
    await item('Check notebook folder snapshot').waitFor();
    await s.page.keyboard.press('Enter');
    const text = await s.toast('success', /^Snapshot OK/);
    assert.equal(text, checkText(referenceCheck(dir)));
  }));

test('the report dialog works from the keyboard', t =>
  s.run(t, async () => {
    const dir = s.folder('keys');
    writeNotebook(join(dir, 'k.ipynb'));
    sparse(join(dir, 'data/part-1.bin'), 200 * MiB);
    sparse(join(dir, 'data/part-2.bin'), 150 * MiB);
    writeFiles(dir, { 'notes.txt': 'n\n' });
    await s.open('keys/k.ipynb');

    await s.submit('keys/k.ipynb');
    const report = await s.dialog('jp-SnapshotGuard-reportDialog');
    // Tab reaches the folder bar; Enter opens it.
    const bar = report.locator('button.jp-SnapshotGuard-bar').first();
    for (let i = 0; i < 12; i++) {
      if (await bar.evaluate(el => el === document.activeElement)) {
        break;
      }
      await s.page.keyboard.press('Tab');
    }
    assert.ok(
      await bar.evaluate(el => el === document.activeElement),
      'Tab reaches the data/ bar'
    );
    await s.page.keyboard.press('Enter');
    await report
      .locator('.jp-SnapshotGuard-breadcrumbs [aria-current]')
      .getByText('data', { exact: true })
      .waitFor();
    const inside = await report
      .locator('.jp-SnapshotGuard-barName')
      .allTextContents();
    assert.deepEqual(inside, ['part-1.bin', 'part-2.bin']);
    // Enter on the breadcrumb goes back, to the data/ bar.
    const crumb = report.locator('button.jp-SnapshotGuard-crumb');
    await crumb.focus();
    await s.page.keyboard.press('Enter');
    await report
      .locator('.jp-SnapshotGuard-breadcrumbs [aria-current]')
      .getByText('keys', { exact: true })
      .waitFor();
    assert.ok(await bar.evaluate(el => el === document.activeElement));
    await s.page.keyboard.press('Enter');
    await report
      .locator('.jp-SnapshotGuard-breadcrumbs [aria-current]')
      .getByText('data', { exact: true })
      .waitFor();
    assert.ok(
      await report.evaluate(d => d.contains(document.activeElement)),
      'the focus stays in the dialog'
    );
    await s.shot('report-keyboard');
    // Escape cancels: no dialog, nothing written.
    await s.page.keyboard.press('Escape');
    await report.waitFor({ state: 'detached' });
    assert.equal(existsSync(join(dir, '.amlignore')), false);

    // Enter presses the default button: Write .amlignore…; Escape leaves.
    await s.submit('keys/k.ipynb');
    const again = await s.dialog('jp-SnapshotGuard-reportDialog');
    await s.page.waitForFunction(() =>
      document.activeElement?.textContent?.includes('Write .amlignore')
    );
    await s.page.keyboard.press('Enter');
    const aml = await s.dialog('jp-SnapshotGuard-amlignoreDialog');
    await again.waitFor({ state: 'detached' });
    // Keys go to the dialog once it has taken the focus.
    await focused(aml);
    await s.page.keyboard.press('Escape');
    await aml.waitFor({ state: 'detached' });
    assert.equal(existsSync(join(dir, '.amlignore')), false);
    assert.equal(await s.page.locator('.jp-Dialog').count(), 0);
  }));

test('a folder near the limits: a warning with the SDK numbers', t =>
  s.run(t, async () => {
    const dir = s.folder('near');
    writeNotebook(join(dir, 'near.ipynb'));
    sparse(join(dir, 'weights.bin'), 260 * MiB);
    await s.open('near/near.ipynb');
    await s.submit('near/near.ipynb');
    const text = await s.toast('warning', /^Snapshot near the limits/);
    // By construction: 260 MiB is past 80 % of 300 MiB, not past it.
    const ref = referenceCheck(dir);
    assert.equal(ref.verdict, 'near');
    assert.equal(text, checkText(ref, 'Snapshot near the limits'));
    // Near is not over: no report, Submit goes on.
    await s.cancelSubmitDialog('near.ipynb');
  }));

test('a folder of 9,000 files: the report and a folder opened in it, as the reference counts them', t =>
  s.run(t, async () => {
    // More files than one message of the listing worker carries (1,000), so
    // the report is put together from several; a folder's bars come from
    // the upload list, which travels as positions in the scan.
    const dir = s.folder('many');
    writeNotebook(join(dir, 'many.ipynb'));
    const files: Record<string, string> = { '.amlignore': 'cache/\n*.tmp\n' };
    for (let i = 0; i < 3000; i++) {
      files[`src/a/f${i}.py`] = 'a'.repeat(i % 40);
      files[`cache/c${i}.bin`] = 'c';
    }
    for (let i = 0; i < 2000; i++) {
      files[`src/b/g${i}.${i % 2 ? 'tmp' : 'py'}`] = 'bb'.repeat(i % 30);
    }
    for (let i = 0; i < 1000; i++) {
      files[`data/d${i}.csv`] = '1,2\n'.repeat(1 + (i % 7));
    }
    writeFiles(dir, files);
    await s.open('many/many.ipynb');
    await s.submit('many/many.ipynb');
    const dialog = await s.dialog('jp-SnapshotGuard-reportDialog');
    const ref = referenceCheck(dir);
    assert.equal(ref.verdict, 'over');
    const shown = await reportNumbers(dialog);
    assert.equal(shown.files, ref.fileCount);
    assert.equal(shown.bytes, ref.totalBytes);

    // src/'s bars: a/ and b/, with the reference's bytes.
    const inSrc = new Map<string, number>();
    for (const path of ref.files.filter(p => p.startsWith('src/'))) {
      const name = path.split('/')[1];
      const bytes = statSync(join(dir, path)).size;
      inSrc.set(name, (inSrc.get(name) ?? 0) + bytes);
    }
    assert.deepEqual([...inSrc.keys()].sort(), ['a', 'b']);
    await dialog
      .locator('button.jp-SnapshotGuard-bar', { hasText: 'src/' })
      .click();
    await dialog
      .locator('.jp-SnapshotGuard-breadcrumbs [aria-current]')
      .getByText('src', { exact: true })
      .waitFor();
    const names = await dialog
      .locator('.jp-SnapshotGuard-barName')
      .allTextContents();
    const sizes = await dialog
      .locator('.jp-SnapshotGuard-barSize')
      .allTextContents();
    const expected = [...inSrc].sort((x, y) => y[1] - x[1]);
    assert.deepEqual(
      names.map((n, i) => [n, sizes[i]]),
      expected.map(([n, b]) => [`${n}/`, formatBytes(b)])
    );
    await dialogButton(dialog, 'Cancel').click();
    await dialog.waitFor({ state: 'detached' });
  }));

test('a folder of 14 dangling links: the report lists the first 10 and counts the rest', t =>
  s.run(t, async () => {
    const dir = s.folder('dangling');
    writeNotebook(join(dir, 'd.ipynb'));
    for (let i = 0; i < 14; i++) {
      symlinkSync(
        `missing-${i}`,
        join(dir, `gone-${String(i).padStart(2, '0')}`)
      );
    }
    await s.open('dangling/d.ipynb');
    await s.submit('dangling/d.ipynb');
    const dialog = await s.dialog('jp-SnapshotGuard-reportDialog');
    // By construction: 14 links to nothing, each one a failure of v1.
    const shown = await dialog
      .locator('.jp-SnapshotGuard-failures li code')
      .allTextContents();
    assert.equal(shown.length, 10);
    assert.ok(shown.every(p => /^gone-\d\d$/.test(p)));
    assert.equal(
      (await dialog.locator('.jp-SnapshotGuard-more').allTextContents()).find(
        t => t.includes('such problem')
      ),
      'and 4 more such problems'
    );
    await dialogButton(dialog, 'Cancel').click();
    await dialog.waitFor({ state: 'detached' });
  }));
