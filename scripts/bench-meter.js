// The status-bar meter's cost (part of `npm run bench`): JupyterLab in
// Chromium on a 100k-file folder, a notebook there running a cell every few
// seconds (each run asks the meter to check) while someone types in it.
// Two windows of the same work, meter on and meter off; the difference is
// the meter. CPU from /proc/<pid>/stat (helper kernel; every Chromium
// process, so the meter's worker too), the page's main-thread task time from
// CDP Performance metrics, long tasks from a PerformanceObserver.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './setup.js';

const TICKS = 100; // USER_HZ on Linux
const METER = '.jp-SnapshotGuard-statusMeterBody';
const PLUGIN = 'jupyterlab-snapshot-guard:plugin';
const NOTEBOOK = 'meter-bench.ipynb';

function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** utime + stime of a process in seconds, or 0 once it is gone. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of the Web Worker threads in these processes (Chromium names
 * them "DedicatedWorker…"): with the meter on, its measuring worker is the
 * only one the page runs.
 */
function workerCpu(procs) {
  let total = 0;
  for (const pid of procs) {
    let tids = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8');
        if (/DedicatedWorker/i.test(comm)) {
          total += cpuOf(`${pid}/task/${tid}`);
        }
      } catch {
        // gone meanwhile
      }
    }
  }
  return total;
}

function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

function pids() {
  return readdirSync('/proc')
    .filter(n => /^\d+$/.test(n))
    .map(Number);
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** The Chromium of this profile and all its descendants. */
function chromiumPids(userDataDir) {
  const all = pids();
  const found = new Set(
    all.filter(p => cmdline(p).includes(`--user-data-dir=${userDataDir}`))
  );
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (!found.has(p) && found.has(parentOf(p))) {
        found.add(p);
        grew = true;
      }
    }
  }
  return [...found];
}

/** Kernel processes by kernel id (their connection file names it). */
function kernelPid(kernelId) {
  return pids().find(p => cmdline(p).includes(`kernel-${kernelId}.json`));
}

async function helperKernelPid(lab) {
  const sessions = await (await lab.api('/api/sessions')).json();
  const helper = sessions.find(s => s.type === 'snapshot-guard');
  return helper ? kernelPid(helper.kernel.id) : undefined;
}

async function taskSeconds(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find(m => m.name === 'TaskDuration')?.value ?? 0;
}

export function notebookJson() {
  return JSON.stringify({
    cells: [
      {
        cell_type: 'code',
        execution_count: null,
        id: 'run',
        metadata: {},
        outputs: [],
        source: ''
      },
      {
        cell_type: 'code',
        execution_count: null,
        id: 'type',
        metadata: {},
        outputs: [],
        source: ''
      }
    ],
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

/**
 * One window of at least `seconds`: every 5 s a cell writes a file into the
 * folder; in between, typing in the other cell. With `wholeCycles` (meter
 * on) the window starts as a check has just ended and ends as the first
 * check after `seconds` ends, so it spans whole check cycles and holds at
 * least one check, however far the back-off spaces them (capped at
 * `seconds` + 10 min). Returns CPU seconds and long tasks.
 */
async function measureWindow(
  page,
  cdp,
  lab,
  userDataDir,
  seconds,
  { wholeCycles = false } = {}
) {
  // Long tasks, and the meter's checks (aria-busy on its item), both as
  // epoch milliseconds, to tell the meter's long tasks from the rest.
  await page.evaluate(sel => {
    const epoch = t => performance.timeOrigin + t;
    window.__longTasks = [];
    window.__checks = [];
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) {
        window.__longTasks.push({
          start: epoch(e.startTime),
          duration: e.duration
        });
      }
    }).observe({ type: 'longtask' });
    let busySince = null;
    new MutationObserver(() => {
      const busy =
        document.querySelector(sel)?.getAttribute('aria-busy') === 'true';
      if (busy && busySince === null) {
        busySince = epoch(performance.now());
      } else if (!busy && busySince !== null) {
        window.__checks.push([busySince, epoch(performance.now())]);
        busySince = null;
      }
    }).observe(document.body, {
      subtree: true,
      attributes: true,
      attributeFilter: ['aria-busy']
    });
  }, METER);
  const chrome = chromiumPids(userDataDir);
  const helper = await helperKernelPid(lab);
  const cpu0 = chrome.reduce((n, p) => n + cpuOf(p), 0);
  const worker0 = workerCpu(chrome);
  const helper0 = helper ? cpuOf(helper) : 0;
  const task0 = await taskSeconds(cdp);
  const started = Date.now();
  // The meter's work in bursts: its CPU (helper kernel and worker threads)
  // every 100 ms; the longest stretch in which it kept a core ≥ 80 % busy
  // is how long it competed with the page flat out.
  let burst = 0;
  let longestBurst = 0;
  let lastCpu = (helper ? cpuOf(helper) : 0) + workerCpu(chrome);
  const sampler = setInterval(() => {
    const cpu = (helper ? cpuOf(helper) : 0) + workerCpu(chrome);
    burst = cpu - lastCpu >= 0.08 ? burst + 100 : 0;
    longestBurst = Math.max(longestBurst, burst);
    lastCpu = cpu;
  }, 100);
  let runs = 0;
  const editor = page.locator('.jp-Notebook .jp-Cell .cm-content').nth(1);
  const checksEnded = () => page.evaluate(() => window.__checks.length);
  let atDeadline = null;
  const done = async () => {
    const elapsed = Date.now() - started;
    if (elapsed < seconds * 1000) {
      return false;
    }
    if (!wholeCycles || elapsed > (seconds + 600) * 1000) {
      return true;
    }
    atDeadline ??= await checksEnded();
    return (await checksEnded()) > atDeadline;
  };
  while (!(await done())) {
    await page.evaluate(async n => {
      const app = window.jupyterapp;
      const notebook = app.shell.currentWidget.content;
      notebook.activeCellIndex = 0;
      notebook.activeCell.model.sharedModel.setSource(
        `open('touched-by-bench.txt', 'w').write('${n}')`
      );
      await app.commands.execute('notebook:run-cell');
    }, runs++);
    await editor.click();
    const until = Date.now() + 5000;
    while (Date.now() < until && !(atDeadline !== null && (await done()))) {
      await page.keyboard.type('x = 1 + 2  # typing ', { delay: 40 });
      await page.keyboard.press('Enter');
    }
    await page.keyboard.press('Escape');
  }
  const elapsed = (Date.now() - started) / 1000;
  const chrome1 = chromiumPids(userDataDir);
  const cpu1 = chrome1.reduce((n, p) => n + cpuOf(p), 0);
  // A worker that ended meanwhile takes its CPU along: a lower bound.
  const worker1 = workerCpu(chrome1);
  const helper1 = helper ? cpuOf(helper) : 0;
  const task1 = await taskSeconds(cdp);
  clearInterval(sampler);
  const { longTasks, checks } = await page.evaluate(() => ({
    longTasks: window.__longTasks,
    checks: window.__checks
  }));
  // A long task that overlaps a check (with 100 ms either side) may be the
  // meter's; the others cannot be.
  const duringChecks = longTasks.filter(t =>
    checks.some(([a, b]) => t.start < b + 100 && t.start + t.duration > a - 100)
  );
  return {
    checks,
    longestBurst,
    duringChecks: duringChecks.map(t => t.duration),
    elapsed,
    runs,
    chromeCpu: cpu1 - cpu0,
    workerCpu: Math.max(0, worker1 - worker0),
    helperCpu: helper1 - helper0,
    mainThread: task1 - task0,
    longTasks: longTasks.map(t => t.duration)
  };
}

/** Build what the browser needs and import the test harness. */
export async function harness() {
  const run = (cmd, argv) => {
    const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) {
      throw new Error(`${cmd} ${argv.join(' ')} failed`);
    }
  };
  run('npx', ['tsc', '-p', 'tsconfig.json']);
  run('node', ['scripts/bundle-cli.js']);
  run('node', ['scripts/build-labextension.js', '--if-stale', '--no-tsc']);
  run('npx', ['tsc', '-p', 'tsconfig.test.json']);
  return import(pathToFileURL(join(ROOT, 'build/test/e2e/harness.js')).href);
}

/**
 * Meter cost on `tree` (a folder of ~100k files). `seconds` per window.
 * Returns the numbers for the report.
 */
export async function benchMeter(tree, { seconds = 180 } = {}) {
  const h = await harness();
  const nb = join(tree, NOTEBOOK);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(nb, notebookJson());
  const lab = await h.startLab({ rootDir: tree });
  const browser = await h.openBrowser({
    viewport: { width: 1280, height: 900 }
  });
  const page = browser.page;
  try {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    log('meter on: opening the notebook in the 100k-file folder …');
    await h.openNotebook(page, lab, NOTEBOOK, { timeoutMs: 120_000 });
    const firstAt = Date.now();
    await page.waitForFunction(
      sel => document.querySelector(sel)?.dataset.files,
      METER,
      { timeout: 300_000, polling: 500 }
    );
    const shown = await page.locator(METER).evaluate(e => ({
      text: e.textContent,
      files: Number(e.dataset.files)
    }));
    const first = (Date.now() - firstAt) / 1000;
    log(
      `meter shows "${shown.text}" (${first.toFixed(1)} s); ${seconds} s of work …`
    );
    const on = await measureWindow(
      page,
      cdp,
      lab,
      browser.userDataDir,
      seconds,
      { wholeCycles: true }
    );
    log(`meter on: ${JSON.stringify({ ...on, longTasks: undefined })}`);

    log(`meter off: ${on.elapsed.toFixed(0)} s of the same work …`);
    await lab.api(`/lab/api/settings/${PLUGIN}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ raw: JSON.stringify({ meter: false }) })
    });
    // A loaded machine can take long to load JupyterLab again.
    await page.goto(lab.labUrl, { timeout: 180_000 });
    await h.openNotebook(page, lab, NOTEBOOK, { timeoutMs: 120_000 });
    await sleep(5000); // let the page settle after loading, as above
    const off = await measureWindow(
      page,
      cdp,
      lab,
      browser.userDataDir,
      on.elapsed
    );
    return { shown, first, on, off, seconds };
  } finally {
    await browser.close();
    await lab.stop();
    rmSync(nb, { force: true });
    rmSync(join(tree, 'touched-by-bench.txt'), { force: true });
    rmSync(join(tree, '.ipynb_checkpoints'), { recursive: true, force: true });
  }
}

/**
 * The meter's cost per minute of the meter-on window: helper kernel and
 * Chromium CPU beyond the same work with the meter off; long tasks over
 * 100 ms that overlap a check (while someone types).
 */
export function meterFigures(m) {
  const perMin = (x, s) => (x * 60) / s;
  const cpu = w => w.helperCpu + w.chromeCpu;
  const extra = cpu(m.on) - cpu(m.off) * (m.on.elapsed / m.off.elapsed);
  // Attributed directly: the helper kernel's CPU beyond its idle cost (the
  // window with the meter off) plus the meter's worker thread.
  const direct =
    m.on.helperCpu -
    m.off.helperCpu * (m.on.elapsed / m.off.elapsed) +
    (m.on.workerCpu ?? 0);
  const checkSeconds = m.on.checks.reduce((n, [a, b]) => n + (b - a), 0) / 1000;
  const over = xs => xs.filter(d => d > 100).length;
  return {
    cpuPerMin: perMin(extra, m.on.elapsed),
    share: (perMin(extra, m.on.elapsed) / 60) * 100,
    directPerMin: perMin(direct, m.on.elapsed),
    directShare: (perMin(direct, m.on.elapsed) / 60) * 100,
    checks: m.on.checks.length,
    seconds: m.on.elapsed,
    over100: over(m.on.duringChecks),
    longest: Math.max(0, ...m.on.duringChecks),
    // Long tasks > 100 ms per minute: inside the meter's checks, and over
    // the same work with the meter off. More inside would be the meter's.
    ratePerMinDuring: checkSeconds
      ? (over(m.on.duringChecks) * 60) / checkSeconds
      : 0,
    ratePerMinOff: (over(m.off.longTasks) * 60) / m.off.elapsed,
    // … and over the whole meter-on window (typing throughout).
    ratePerMinOn: (over(m.on.longTasks) * 60) / m.on.elapsed,
    longestBurstMs: m.on.longestBurst
  };
}

/** Lines for the bench report. */
export function meterLines(m) {
  const perMin = (x, s) => (x * 60) / s;
  const share = (x, s) => `${((x / s) * 100).toFixed(1)} % of a core`;
  const maxTask = t => (t.length ? Math.max(...t).toFixed(0) : '0');
  const over100 = t => t.filter(d => d > 100).length;
  const lines = [];
  lines.push('');
  lines.push(
    `snapshot meter on ${m.shown.files.toLocaleString('en-US')} counted files ` +
      `("${m.shown.text}", first shown after ${m.first.toFixed(1)} s); ` +
      `windows of ${m.on.elapsed.toFixed(0)} s (whole check cycles with the meter on), a cell run every ~5 s plus typing`
  );
  const pad = (s, n) => String(s).padEnd(n);
  lines.push(
    `${pad('', 24)}${pad('meter on', 34)}${pad('meter off', 34)}meter's cost`
  );
  const row = (label, a, b, fmt) =>
    lines.push(
      `${pad(label, 24)}${pad(fmt(a, m.on.elapsed), 34)}${pad(fmt(b, m.off.elapsed), 34)}${fmt(a - b * (m.on.elapsed / m.off.elapsed), m.on.elapsed)}`
    );
  const cpuFmt = (x, s) => `${perMin(x, s).toFixed(2)} s/min (${share(x, s)})`;
  row('helper kernel CPU', m.on.helperCpu, m.off.helperCpu, cpuFmt);
  row('Chromium CPU (all)', m.on.chromeCpu, m.off.chromeCpu, cpuFmt);
  row('page main thread', m.on.mainThread, m.off.mainThread, cpuFmt);
  row('Web Worker threads', m.on.workerCpu ?? 0, m.off.workerCpu ?? 0, cpuFmt);
  lines.push(
    `${pad('long tasks > 100 ms', 24)}${pad(`${over100(m.on.longTasks)} (max ${maxTask(m.on.longTasks)} ms)`, 26)}` +
      `${pad(`${over100(m.off.longTasks)} (max ${maxTask(m.off.longTasks)} ms)`, 26)}`
  );
  const checkSeconds = m.on.checks.reduce((n, [a, b]) => n + (b - a), 0) / 1000;
  lines.push(
    `meter checks in the window: ${m.on.checks.length} ` +
      `(${checkSeconds.toFixed(1)} s in all); long tasks > 100 ms during a ` +
      `check: ${over100(m.on.duringChecks)} (max ${maxTask(m.on.duringChecks)} ms)`
  );
  lines.push(
    `longest stretch of the meter keeping a core >= 80 % busy: ${m.on.longestBurst ?? '?'} ms (sampled every 100 ms)`
  );
  lines.push(`(cell runs: ${m.on.runs} with the meter on, ${m.off.runs} off)`);
  return lines;
}

// `node scripts/bench-meter.js [folder] [seconds]`: this section alone.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const tree = resolve(process.argv[2] ?? join(ROOT, '.bench', 'tree-100000'));
  if (!existsSync(tree)) {
    log(`no folder ${tree}: run npm run bench once to build it`);
  } else {
    const m = await benchMeter(tree, {
      seconds: Number(process.argv[3] ?? 90)
    });
    process.stdout.write(meterLines(m).join('\n') + '\n');
    process.stdout.write(JSON.stringify(meterFigures(m)) + '\n');
  }
}
