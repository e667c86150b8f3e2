// `npm run bench`: times whole processes against the tools they replace and
// prints a table with ratios. Not a test: it always exits 0.
//
//   check --json on ~100k files   vs  find -printf '%s\n'   (target <= 1.0)
//   pack (stored, ~290 MiB)       vs  zip -r -0             (target >= 0.8)
//   pack (auto)                   vs  zip -r -1
//   peak RSS of check and pack                              (target <= 150 MB)
//   RuleSet.excludes over the 100k paths, in paths/s
//   the verdict in Chromium on ~2k and the 100k files: cold, warm and with
//   the helper kernel started early, long tasks, frame gaps, the notebook's
//   kernel start, vs find in the same run (scripts/bench-browser.js)
//   the status-bar meter on the 100k tree in Chromium: CPU per minute and
//   long tasks, meter on vs off (scripts/bench-meter.js)
//   a 20,000-line ignore file: parse, then 60,000 paths        (target <= 10 s)
//   check on a small folder with and without a 1,000,000-file data/ that
//   its .gitignore excludes                                    (target <= 1.2)
// Commands compared with each other run in turn (A B, B A, …), and CPU
// time (user + system) is shown beside wall time: on a shared machine the
// wall times swing with the load, their ratios much less.
// and then issue 10's table: every row, its target and a verdict.
//
// Options: --runs N (default 5; pack runs and browser page loads use
// max(3, N - 2)), --files N (default 100000), --rebuild (recreate the trees
// under .bench/), --meter-seconds N (default 180, at least one meter check
// in each window; 0 skips the meter), --think-seconds N (default 5: the
// pause between opening the notebook and the first Submit), --skip-browser,
// --scale-files N (default 1000000; 0 skips that row), --cli-only (only the
// CLI and pack rows and the scale row: no zip -1, rules, browser or meter),
// --browser-only (only the verdict in Chromium), --browser-runs N (page
// loads per folder and setting; default as pack), --over-files N (default
// 200000; 0 skips it: the browser's early "over" on a folder of N included
// files, without an ignore file and with a root .amlignore), --interaction-runs
// N (default as browser runs; 0 skips them: on the 100k folder, the report,
// the .amlignore dialog and its live totals, the datastore dialog, each with
// its longest main-thread task), --trace (one more traced run of those
// interactions: each main-thread task over 50 ms attributed to functions,
// scripts/bench-trace.js), --interactions-only (only those), --archive-only
// (only the archive target in Chromium on the ~2k tree, its longest
// main-thread task and zip -0 of the same folder; part of the browser runs).
import { spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync
} from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  INTERACTIONS,
  benchArchive,
  benchBrowser,
  benchEarlyOver,
  benchInteractions,
  browserFigures,
  buildSmallTree
} from './bench-browser.js';
import { attributionLines } from './bench-trace.js';
import { benchMeter, meterFigures, meterLines } from './bench-meter.js';
import { ensureHelperSource } from './embed-python.js';
import { ROOT } from './setup.js';

const MiB = 1 << 20;
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    files: { type: 'string', default: '100000' },
    rebuild: { type: 'boolean', default: false },
    'cli-only': { type: 'boolean', default: false },
    'scale-files': { type: 'string', default: '1000000' },
    'meter-seconds': { type: 'string', default: '180' },
    'think-seconds': { type: 'string', default: '5' },
    'skip-browser': { type: 'boolean', default: false },
    'browser-only': { type: 'boolean', default: false },
    'browser-runs': { type: 'string' },
    'over-files': { type: 'string', default: '200000' },
    'interaction-runs': { type: 'string' },
    trace: { type: 'boolean', default: false },
    'interactions-only': { type: 'boolean', default: false },
    'archive-only': { type: 'boolean', default: false }
  }
});
const RUNS = Math.max(1, Number(args.runs) || 5);
const PACK_RUNS = Math.max(3, RUNS - 2);
const FILES = Math.max(1000, Number(args.files) || 100000);
const SCALE_FILES = Math.max(0, Number(args['scale-files']) || 0);
const BROWSER_RUNS = Math.max(1, Number(args['browser-runs']) || PACK_RUNS);
const OVER_FILES = Math.max(0, Number(args['over-files']) || 0);
const INTERACTION_RUNS =
  args['interaction-runs'] === undefined
    ? BROWSER_RUNS
    : Math.max(0, Number(args['interaction-runs']) || 0);

const BENCH = join(ROOT, '.bench'); // git-ignored
const TREE = join(BENCH, `tree-${FILES}`);
const SMALL_TREE = join(BENCH, 'tree-2k');
const PACK_DIR = join(BENCH, 'pack-290m');
const SCALE = join(BENCH, 'scale');
const OUT = join(BENCH, 'out');
const CLI = join(ROOT, 'bin', 'snapshot-guard.js');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

// A .gitignore as a data-science project has it. `data/` holds half the
// tree; nothing later can bring a file inside it back.
const GITIGNORE = `# Python
__pycache__/
*.py[cod]
*$py.class
*.egg-info/
.eggs/
build/
dist/
.venv/
venv/
.env

# Notebooks
.ipynb_checkpoints/
*.amltmp
*.amltemp

# Runs and data
outputs/
logs/
mlruns/
wandb/
data/
*.ckpt
!models/keep.ckpt
**/tmp/**
*.log
.DS_Store
`;

function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** Deterministic pseudo-random numbers, so every run builds the same tree. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * ~FILES files with sparse sizes (no disk cost): half under data/ (excluded
 * by .gitignore), the rest in a source tree with a few excluded bits of
 * its own. Returns every file path, relative, for the rule benchmark.
 */
function buildTree() {
  const stamp = join(TREE, '.bench-complete');
  const listFile = join(BENCH, `tree-${FILES}.paths`);
  if (!args.rebuild && existsSync(stamp) && existsSync(listFile)) {
    return readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
  }
  log(`building ${FILES.toLocaleString('en-US')} files under ${TREE} …`);
  rmSync(TREE, { recursive: true, force: true });
  const rand = rng(42);
  const paths = [];
  const per = 250; // files per folder
  const exts = ['.py', '.ipynb', '.csv', '.json', '.txt', '.png', '.pyc'];
  const add = (dir, name, size) => {
    const rel = `${dir}/${name}`;
    const fd = openSync(join(TREE, rel), 'w');
    if (size > 0) {
      ftruncateSync(fd, size);
    }
    closeSync(fd);
    paths.push(rel);
  };
  const size = () => Math.floor(Math.exp(rand() * 14)); // 1 byte … ~1 MB
  const half = Math.floor(FILES / 2);
  for (let i = 0; i < half; i++) {
    const dir = `data/shard${Math.floor(i / per / 20)}/part${Math.floor(i / per) % 20}`;
    if (i % per === 0) {
      mkdirSync(join(TREE, dir), { recursive: true });
    }
    add(dir, `chunk-${i}.parquet`, size());
  }
  for (let i = 0; i < FILES - half; i++) {
    const n = Math.floor(i / per);
    // Every 10th folder is one the .gitignore drops (caches, checkpoints).
    const kind = ['__pycache__', '.ipynb_checkpoints', 'tmp'][n % 3];
    const dir =
      n % 10 === 9
        ? `src/pkg${Math.floor(n / 10)}/${kind}`
        : `src/pkg${Math.floor(n / 10)}/mod${n % 10}`;
    if (i % per === 0) {
      mkdirSync(join(TREE, dir), { recursive: true });
    }
    add(dir, `file${i}${exts[i % exts.length]}`, size());
  }
  writeFileSync(join(TREE, '.gitignore'), GITIGNORE);
  writeFileSync(listFile, paths.join('\n') + '\n');
  writeFileSync(stamp, '');
  return paths;
}

/**
 * ~290 MiB of real bytes (under the 300 MiB limit): random data in model-
 * and array-like files (stored), plus text (CSV, code) that deflates.
 */
function buildPackDir() {
  const stamp = join(PACK_DIR, '.bench-complete');
  if (!args.rebuild && existsSync(stamp)) {
    return;
  }
  log(`writing ~290 MiB of data under ${PACK_DIR} …`);
  rmSync(PACK_DIR, { recursive: true, force: true });
  mkdirSync(join(PACK_DIR, 'models'), { recursive: true });
  mkdirSync(join(PACK_DIR, 'arrays'), { recursive: true });
  mkdirSync(join(PACK_DIR, 'tables'), { recursive: true });
  mkdirSync(join(PACK_DIR, 'src'), { recursive: true });
  const buf = new Uint8Array(MiB);
  const writeRandom = (path, mib) => {
    const fd = openSync(join(PACK_DIR, path), 'w');
    for (let i = 0; i < mib; i++) {
      writeSync(fd, randomFillSync(buf));
    }
    closeSync(fd);
  };
  for (let i = 0; i < 7; i++) {
    writeRandom(`models/weights-${i}.pt`, 24);
  }
  for (let i = 0; i < 40; i++) {
    writeRandom(`arrays/batch-${i}.npy`, 2);
  }
  // 40 MiB of CSV in 8 files: numbers and words, as exported tables are.
  const rand = rng(7);
  for (let f = 0; f < 8; f++) {
    const lines = ['id,user,amount,score,day'];
    let bytes = 0;
    while (bytes < 5 * MiB) {
      const line =
        `${Math.floor(rand() * 1e9)},user_${Math.floor(rand() * 5000)},` +
        `${(rand() * 1000).toFixed(2)},${rand().toFixed(6)},` +
        `2024-${1 + Math.floor(rand() * 12)}-${1 + Math.floor(rand() * 28)}`;
      lines.push(line);
      bytes += line.length + 1;
    }
    writeFileSync(join(PACK_DIR, `tables/table-${f}.csv`), lines.join('\n'));
  }
  // A source tree: 400 small Python files.
  for (let i = 0; i < 400; i++) {
    const body = Array.from(
      { length: 20 + (i % 200) },
      (_, k) => `def f${k}(x):\n    return x * ${k} + ${i}\n`
    ).join('\n');
    writeFileSync(join(PACK_DIR, `src/module_${i}.py`), body);
  }
  writeFileSync(stamp, '');
}

function folderBytes(dir) {
  let total = 0;
  for (const p of readdirSync(dir, { recursive: true })) {
    const st = statSync(join(dir, p));
    total += st.isFile() ? st.size : 0;
  }
  return total;
}

/**
 * Runs a command once: wall time (ms), CPU time (user + system, ms, from
 * GNU time; null without it) and peak RSS (KB, from GNU time when present,
 * else the highest VmHWM seen in /proc while it ran).
 */
async function runOnce(cmd, argv, { cwd = ROOT, stdout = 'ignore' } = {}) {
  const rssFile = join(OUT, 'rss.txt');
  rmSync(rssFile, { force: true });
  const [file, fileArgs] = TIME
    ? [TIME, ['-f', '%M %U %S', '-o', rssFile, cmd, ...argv]]
    : [cmd, argv];
  const start = process.hrtime.bigint();
  const child = spawn(file, fileArgs, {
    cwd,
    stdio: ['ignore', stdout, 'pipe']
  });
  let stderr = '';
  child.stderr.on('data', d => (stderr += d));
  let hwm = 0;
  const poll = TIME
    ? null
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+)/.exec(
            readFileSync(`/proc/${child.pid}/status`, 'utf8')
          );
          hwm = Math.max(hwm, m ? Number(m[1]) : 0);
        } catch {
          // exited
        }
      }, 5);
  const code = await new Promise(resolve => child.on('close', resolve));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (poll) {
    clearInterval(poll);
  }
  let rssKB = hwm;
  let cpuMs = null;
  if (TIME && existsSync(rssFile)) {
    // GNU time may write "Command exited with non-zero status" first.
    const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
    const [kb, user, sys] = lines.at(-1).split(' ').map(Number);
    rssKB = kb || 0;
    cpuMs = (user + sys) * 1000;
  }
  return { ms, cpuMs, rssKB, code, stderr };
}

function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Medians over `runs` of commands whose times are compared, after one
 * untimed warm-up run of each. Their runs alternate (A B, B A, A B …) so
 * that the load of a shared machine falls on all of them alike: ratios
 * between them then mean something even when the times swing.
 */
async function measureTogether(specs, runs = RUNS) {
  const times = specs.map(() => []);
  const cpus = specs.map(() => []);
  const rss = specs.map(() => 0);
  for (let round = 0; round <= runs; round++) {
    const order = specs.map((_, k) => k);
    if (round % 2 === 1) {
      order.reverse();
    }
    for (const k of order) {
      const { name, cmd, argv, opts = {} } = specs[k];
      const { before, okCodes = [0], output, ...spawnOpts } = opts;
      before?.();
      const r = await runOnce(cmd, argv, spawnOpts);
      if (!okCodes.includes(r.code)) {
        throw new Error(
          `${name}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`
        );
      }
      if (round > 0) {
        times[k].push(r.ms);
        if (r.cpuMs !== null) {
          cpus[k].push(r.cpuMs);
        }
        rss[k] = Math.max(rss[k], r.rssKB);
      }
      if (output) {
        // Measured now: the next command of the round may remove it.
        specs[k].outBytes = existsSync(output) ? statSync(output).size : 0;
      }
    }
  }
  const out = {};
  specs.forEach((spec, k) => {
    const ms = median(times[k]);
    const cpuMs = cpus[k].length > 0 ? median(cpus[k]) : undefined;
    const cpu =
      cpuMs === undefined ? '' : `, CPU ${(cpuMs / 1000).toFixed(3)} s`;
    log(
      `${spec.name}: ${(ms / 1000).toFixed(3)} s${cpu} ` +
        `(runs: ${times[k].map(t => (t / 1000).toFixed(2)).join(', ')})`
    );
    out[spec.key] = {
      name: spec.name,
      ms,
      cpuMs,
      rssMB: rss[k] / 1024,
      outBytes: spec.outBytes ?? 0
    };
  });
  return out;
}

/** Median over `runs` of one command (after one untimed warm-up run). */
async function measure(name, cmd, argv, opts = {}) {
  const { runs = RUNS, ...rest } = opts;
  const spec = { key: 'one', name, cmd, argv, opts: rest };
  return (await measureTogether([spec], runs)).one;
}

/**
 * Issue 10's scale check: `check` on a small source folder, and on the same
 * folder beside a `data/` of SCALE_FILES empty files that its .gitignore
 * excludes. The walk must never enter `data/`, so both should cost the
 * same. The big folder is made for the run (empty files, ~1,000 per
 * folder) and removed after it.
 */
async function benchScale() {
  const without = join(SCALE, 'without');
  const withData = join(SCALE, 'with');
  rmSync(SCALE, { recursive: true, force: true });
  for (const dir of [without, withData]) {
    buildSmallTree(dir);
    writeFileSync(join(dir, '.gitignore'), '__pycache__/\ndata/\n');
  }
  const t = process.hrtime.bigint();
  const per = 1000;
  for (let i = 0; i < SCALE_FILES; i++) {
    const dir = join(
      withData,
      'data',
      `shard${Math.floor(i / per / 100)}`,
      `part${Math.floor(i / per) % 100}`
    );
    if (i % per === 0) {
      mkdirSync(dir, { recursive: true });
    }
    closeSync(openSync(join(dir, `row-${i}.json`), 'w'));
  }
  log(
    `made ${count(SCALE_FILES)} empty files under ${withData}/data in ` +
      `${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(1)} s`
  );
  try {
    const spec = (key, dir) => ({
      key,
      name: `check ${key === 'with' ? `with ${count(SCALE_FILES)}-file data/` : 'without data/'}`,
      cmd: process.execPath,
      argv: [CLI, 'check', dir, '--json']
    });
    return await measureTogether([
      spec('without', without),
      spec('with', withData)
    ]);
  } finally {
    // rm is several times faster than rmSync on a million files.
    spawnSync('rm', ['-rf', SCALE]);
  }
}

/** Loads the rules module, from the test build or the library build. */
async function loadRules() {
  for (const p of ['build/src/snapshot/rules.js', 'lib/snapshot/rules.js']) {
    if (existsSync(join(ROOT, p))) {
      return import(pathToFileURL(join(ROOT, p)).href);
    }
  }
  throw new Error('rules.js not built (npm run build:lib)');
}

async function benchRules(paths) {
  const { RuleSet } = await loadRules();
  const rs = RuleSet.parse(GITIGNORE, '.gitignore');
  let excluded = 0;
  for (const p of paths) {
    excluded += rs.excludes(p) ? 1 : 0; // warm-up, and a sanity figure
  }
  const rates = [];
  for (let r = 0; r < RUNS; r++) {
    const t = process.hrtime.bigint();
    let n = 0;
    for (const p of paths) {
      n += rs.excludes(p) ? 1 : 0;
    }
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    rates.push(paths.length / s);
    if (n !== excluded) {
      throw new Error('RuleSet.excludes is not deterministic');
    }
  }
  rates.sort((a, b) => a - b);
  return { rate: rates[Math.floor(rates.length / 2)], excluded };
}

/** A 20,000-line ignore file (test/unit/rules.test.ts checks its answers). */
async function benchBigIgnore() {
  const { RuleSet } = await loadRules();
  const lines = ['*.log', 'tmp*', '!keep.log'];
  for (let i = 0; i < 20000; i++) {
    lines.push(i % 2 ? `/data/part${i}.csv` : `*.ext${i}`);
  }
  lines.push('!/data/part1.csv');
  const paths = [];
  for (let i = 0; i < 20000; i++) {
    paths.push(`data/part${i}.csv`, `src/f${i}.ext${i}`, `src/f${i}.py`);
  }
  const times = [];
  for (let r = 0; r < RUNS; r++) {
    const t = process.hrtime.bigint();
    const rs = RuleSet.parse(lines.join('\n'), '.amlignore');
    paths.forEach(p => rs.excludes(p));
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] };
}

/**
 * Makes sure lib/ has the CLI (builds it once if not) and bundles it afresh:
 * a bundle left from older sources would be measured instead of them.
 */
function ensureCli() {
  if (!existsSync(CLI)) {
    throw new Error('bin/snapshot-guard.js does not exist yet');
  }
  const built = existsSync(join(ROOT, 'lib', 'node', 'cli.js'));
  if (!built) {
    log('lib/node/cli.js missing: building (npx tsc -p tsconfig.json) …');
    ensureHelperSource();
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], {
      cwd: ROOT,
      encoding: 'utf8'
    });
    if (!existsSync(join(ROOT, 'lib', 'node', 'cli.js'))) {
      throw new Error(
        `the CLI does not build: ${(r.stdout + r.stderr).trim().split('\n')[0]}`
      );
    }
  }
  log('bundling the CLI (scripts/bundle-cli.js) …');
  const b = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts', 'bundle-cli.js')],
    { cwd: ROOT, stdio: ['ignore', 2, 2] }
  );
  if (b.status !== 0) {
    throw new Error('the CLI does not bundle (scripts/bundle-cli.js)');
  }
}

// A process that packs with compression off: the CLI has no switch for it.
const STORE_SCRIPT = `
const [root, out] = process.argv.slice(1);
const { readdirSync, statSync } = await import('node:fs');
const { packFolderToFile } = await import(${JSON.stringify(
  pathToFileURL(join(ROOT, 'lib', 'node', 'node-pack.js')).href
)});
const entries = readdirSync(root, { recursive: true })
  .filter(p => !p.endsWith('.bench-complete'))
  .map(p => ({ path: p, st: statSync(root + '/' + p) }))
  .filter(e => e.st.isFile())
  .map(e => ({ path: e.path, size: e.st.size, mtime: e.st.mtimeMs }));
await packFolderToFile(root, entries, out, { compress: 'store' });
`;

function fmtS(ms) {
  return ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(3)} s`;
}

function fmtRate(bytes, ms) {
  return ms ? `${(bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s` : 'n/a';
}

function count(n) {
  return Math.round(n).toLocaleString('en-US');
}

function pad(s, n) {
  return String(s).padEnd(n);
}

/** The verdict in Chromium on the ~2k and the 100k trees. */
async function browserRows() {
  buildSmallTree(SMALL_TREE);
  const raw = await benchBrowser(
    BENCH,
    [
      { key: 'small', dir: SMALL_TREE },
      { key: 'big', dir: TREE }
    ],
    {
      runs: BROWSER_RUNS,
      warm: 2,
      thinkMs: Math.max(0, Number(args['think-seconds'])) * 1000
    }
  );
  return {
    small: browserFigures(raw.small),
    big: browserFigures(raw.big),
    bigRaw: raw.big
  };
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const loadBefore = loadavg();
  const results = {};
  const errors = [];
  const attempt = async (key, fn) => {
    try {
      results[key] = await fn();
    } catch (err) {
      errors.push(`${key}: ${err.message ?? err}`);
      log(`${key} failed: ${err.message ?? err}`);
    }
  };

  const paths = buildTree();
  const earlyOver = () =>
    benchEarlyOver(BENCH, join(BENCH, 'included'), OVER_FILES, {
      runs: BROWSER_RUNS
    });
  const interactions = () =>
    benchInteractions(BENCH, TREE, {
      runs: INTERACTION_RUNS,
      trace: args.trace
    });
  const archive = () => {
    buildSmallTree(SMALL_TREE);
    return benchArchive(BENCH, SMALL_TREE, { runs: BROWSER_RUNS });
  };
  if (args['interactions-only']) {
    await attempt('interactions', interactions);
    printReport(results, errors, { loadBefore, paths, packBytes: 0 });
    return;
  }
  if (args['archive-only']) {
    await attempt('archive', archive);
    printReport(results, errors, { loadBefore, paths, packBytes: 0 });
    return;
  }
  if (args['browser-only']) {
    await attempt('browser', browserRows);
    if (INTERACTION_RUNS > 0 || args.trace) {
      await attempt('interactions', interactions);
    }
    if (OVER_FILES > 0) {
      await attempt('earlyOver', earlyOver);
    }
    await attempt('archive', archive);
    printReport(results, errors, { loadBefore, paths, packBytes: 0 });
    return;
  }
  buildPackDir();
  const packBytes = folderBytes(PACK_DIR);
  let cli = true;
  try {
    ensureCli();
  } catch (err) {
    cli = false;
    errors.push(`CLI: ${err.message}`);
  }

  // check vs find, on the 100k tree (exit 1 = over the limits, expected).
  const together = async (keys, specs, runs) => {
    try {
      Object.assign(results, await measureTogether(specs, runs));
    } catch (err) {
      errors.push(`${keys}: ${err.message ?? err}`);
      log(`${keys} failed: ${err.message ?? err}`);
    }
  };
  const findSpec = {
    key: 'find',
    name: 'find -printf',
    cmd: 'find',
    argv: [TREE, '-printf', '%s\\n']
  };
  await together(
    'check, find',
    cli
      ? [
          {
            key: 'check',
            name: 'check --json',
            cmd: process.execPath,
            argv: [CLI, 'check', TREE, '--json'],
            opts: { okCodes: [0, 1] }
          },
          findSpec
        ]
      : [findSpec]
  );

  // pack vs zip on ~290 MiB; zip would add to an existing archive: always
  // start from none.
  const zipOut = join(OUT, 'bench.zip');
  const fresh = () => rmSync(zipOut, { force: true });
  const zipOpts = { before: fresh, output: zipOut };
  const zip0Spec = {
    key: 'zip0',
    name: 'zip -r -0',
    cmd: 'zip',
    argv: ['-r', '-0', '-q', zipOut, '.'],
    opts: { ...zipOpts, cwd: PACK_DIR }
  };
  await together(
    'pack, zip -0',
    cli
      ? [
          {
            key: 'packAuto',
            name: 'pack (auto)',
            cmd: process.execPath,
            argv: [CLI, 'pack', PACK_DIR, '-o', zipOut],
            opts: zipOpts
          },
          {
            key: 'packStore',
            name: 'pack (store)',
            cmd: process.execPath,
            argv: ['--input-type=module', '-e', STORE_SCRIPT, PACK_DIR, zipOut],
            opts: zipOpts
          },
          zip0Spec
        ]
      : [zip0Spec],
    PACK_RUNS
  );
  if (!args['cli-only']) {
    await attempt('zip1', () =>
      measure('zip -r -1', 'zip', ['-r', '-1', '-q', zipOut, '.'], {
        cwd: PACK_DIR,
        runs: PACK_RUNS,
        before: fresh,
        output: zipOut
      })
    );
  }
  fresh();

  if (cli && SCALE_FILES > 0) {
    await attempt('scale', benchScale);
  }
  if (args['cli-only']) {
    printReport(results, errors, { loadBefore, paths, packBytes });
    return;
  }
  await attempt('rules', () => benchRules(paths));
  if (!args['skip-browser']) {
    await attempt('browser', browserRows);
    if (INTERACTION_RUNS > 0 || args.trace) {
      await attempt('interactions', interactions);
    }
    if (OVER_FILES > 0) {
      await attempt('earlyOver', earlyOver);
    }
    await attempt('archive', archive);
  }
  const meterSeconds = Number(args['meter-seconds']);
  if (meterSeconds > 0) {
    await attempt('meter', () => benchMeter(TREE, { seconds: meterSeconds }));
  }
  await attempt('bigIgnore', benchBigIgnore);

  printReport(results, errors, { loadBefore, paths, packBytes });
}

function printReport(r, errors, { loadBefore, paths, packBytes }) {
  const lines = [];
  lines.push('');
  lines.push(
    `snapshot-guard bench — node ${process.version}, ${availableParallelism()} cores, ` +
      `median of ${RUNS} (pack: ${PACK_RUNS}) after a warm-up run`
  );
  const load = l => l.map(x => x.toFixed(1)).join(' ');
  lines.push(
    `load average (1, 5, 15 min) at the start: ${load(loadBefore)}; at the end: ${load(loadavg())}`
  );
  lines.push(
    `tree: ${paths.length.toLocaleString('en-US')} files (half excluded by .gitignore); ` +
      `pack folder: ${(packBytes / MiB).toFixed(0)} MiB`
  );
  lines.push('');
  lines.push(
    `${pad('command', 40)}${pad('time', 10)}${pad('CPU', 10)}${pad('throughput', 12)}` +
      `${pad('peak RSS', 10)}zip size`
  );
  const row = (label, x, bytes) =>
    lines.push(
      `${pad(label, 40)}${pad(fmtS(x?.ms), 10)}${pad(fmtS(x?.cpuMs), 10)}` +
        `${pad(bytes ? fmtRate(bytes, x?.ms) : '', 12)}` +
        `${pad(x ? `${x.rssMB.toFixed(0)} MB` : 'n/a', 10)}` +
        `${x?.outBytes ? `${(x.outBytes / MiB).toFixed(1)} MiB` : ''}`
    );
  row('snapshot-guard check --json', r.check);
  row("find -printf '%s\\n'", r.find);
  row('snapshot-guard pack (auto)', r.packAuto, packBytes);
  row('pack, compression off (store)', r.packStore, packBytes);
  row('zip -r -0 (store)', r.zip0, packBytes);
  row('zip -r -1 (fastest deflate)', r.zip1, packBytes);
  if (r.scale) {
    row(`check, ${count(SCALE_FILES)}-file data/ excluded`, r.scale.with);
    row('check, the same without data/', r.scale.without);
  }
  lines.push(
    `${pad('RuleSet.excludes', 40)}` +
      (r.rules
        ? `${count(r.rules.rate)} paths/s (${count(r.rules.excluded)} of ` +
          `${count(paths.length)} paths excluded)`
        : 'n/a')
  );

  lines.push('');
  lines.push(
    `${pad('ratio', 40)}${pad('value', 10)}${pad('target', 10)}verdict`
  );
  const target = (label, value, goal, ok) => {
    const verdict =
      value === undefined || !ok ? '' : ok(value) ? 'ok' : 'MISSED';
    const shown = value === undefined ? 'n/a' : value.toFixed(2);
    lines.push(`${pad(label, 40)}${pad(shown, 10)}${pad(goal, 10)}${verdict}`);
  };
  const ratio = (a, b) => (a && b ? a / b : undefined);
  target(
    'check time / find time',
    ratio(r.check?.ms, r.find?.ms),
    '<= 1.0',
    v => v <= 1
  );
  target(
    'check CPU / find CPU (info)',
    ratio(r.check?.cpuMs, r.find?.cpuMs),
    '(info)'
  );
  target(
    'pack-store throughput / zip -0',
    ratio(r.zip0?.ms, r.packStore?.ms),
    '>= 1.6',
    v => v >= 1.6
  );
  target(
    'pack-store CPU throughput / zip -0',
    ratio(r.zip0?.cpuMs, r.packStore?.cpuMs),
    '(info)'
  );
  target(
    'pack (auto) throughput / zip -0',
    ratio(r.zip0?.ms, r.packAuto?.ms),
    '(info)'
  );
  target(
    'pack (auto) throughput / zip -1',
    ratio(r.zip1?.ms, r.packAuto?.ms),
    '(info)'
  );
  target(
    '20,000-line ignore file, 60k paths (s)',
    r.bigIgnore ? r.bigIgnore.ms / 1000 : undefined,
    '<= 10',
    v => v <= 10
  );
  for (const [label, x] of [
    ['peak RSS check (MB)', r.check],
    ['peak RSS pack auto (MB)', r.packAuto],
    ['peak RSS pack store (MB)', r.packStore]
  ]) {
    target(label, x?.rssMB, '<= 150', v => v <= 150);
  }
  if (!TIME) {
    lines.push('(peak RSS sampled from /proc: GNU time is not installed)');
  }
  if (r.meter) {
    lines.push(...meterLines(r.meter));
  }
  if (r.browser) {
    lines.push(...browserLines(r.browser));
  }
  if (r.interactions) {
    lines.push(...interactionLines(r.interactions));
  }
  if (r.archive) {
    const a = r.archive;
    lines.push(
      '',
      `archive target in Chromium, ~2k tree saved on the server, helper kernel warm, ${a.runs.length} runs: ` +
        `${median(a.runs.map(x => x.ms)).toFixed(0)} ms median, longest main-thread task ` +
        `${Math.max(...a.runs.map(x => x.longTask)).toFixed(0)} ms; zip -r -0 of the folder ` +
        `${median(a.zip0).toFixed(0)} ms`
    );
  }
  lines.push(...issueTable(r));
  if (errors.length > 0) {
    lines.push('');
    lines.push('not measured:');
    for (const e of errors) {
      lines.push(`  ${e}`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/** The browser section: every figure behind the issue table's rows. */
function browserLines(b) {
  const lines = [''];
  const ms = x => (x === undefined ? 'n/a' : `${x.toFixed(0)} ms`);
  lines.push(
    `verdict in Chromium (click on Submit until the verdict is on screen), ` +
      `medians over ${BROWSER_RUNS} page loads per folder, warm: 2 clicks after each`
  );
  lines.push(
    `${pad('', 22)}${pad('find', 9)}${pad('warm', 18)}${pad('first Submit', 18)}` +
      `${pad('first, prestarted', 19)}${pad('long task med/max', 19)}` +
      `${pad('frame gap med/max', 19)}kernel start: cold/prestart/defaults`
  );
  for (const [label, f] of [
    ['~2k files (1,561 up)', b.small],
    ['100k files (50k up)', b.big]
  ]) {
    lines.push(
      `${pad(label, 22)}${pad(ms(f.find), 9)}` +
        `${pad(`${ms(f.warm)} (${f.warmRange})`, 18)}` +
        `${pad(`${ms(f.cold)} (${f.coldRange})`, 18)}` +
        `${pad(`${ms(f.prestart)} (${f.prestartRange})`, 19)}` +
        `${pad(`${ms(f.longTaskMedian)} / ${ms(f.longTaskMax)}`, 19)}` +
        `${pad(`${ms(f.frameGapMedian)} / ${ms(f.frameGapMax)}`, 19)}` +
        `${ms(f.kernelOff)} / ${ms(f.kernelOn)} / ${ms(f.kernelDefaults)}`
    );
    lines.push(
      `${pad('', 22)}first Submit with the default settings (meter on too): ` +
        `${ms(f.defaults)} (${f.defaultsRange})`
    );
  }
  lines.push(
    `(verdicts seen: ~2k ${b.small.verdicts}, 100k ${b.big.verdicts}; long ` +
      `tasks per check, median: ~2k ${b.small.longTasksPerCheck}, 100k ${b.big.longTasksPerCheck})`
  );
  return lines;
}

/**
 * Longest main-thread tasks on the 100k folder: of the check (the verdict
 * clicks and the interactions' checks and re-checks) and of each
 * interaction; `all` is the worst of them.
 */
function longTaskFigures(r) {
  const out = {};
  const checks = [];
  if (r.browser) {
    const raw = r.browser.bigRaw;
    // With the meter off, as before: the check alone.
    checks.push(...raw.cold, ...raw.warm, ...raw.prestart);
  }
  const runs = r.interactions?.runs ?? [];
  for (const run of runs) {
    checks.push(...[run.check, run.recheck].filter(Boolean));
  }
  const figures = xs => ({
    n: xs.length,
    max: Math.max(...xs.map(x => x.longTask)),
    median: median(xs.map(x => x.longTask)),
    took: median(xs.map(x => x.ms))
  });
  if (checks.length > 0) {
    out.check = figures(checks);
  }
  for (const [key] of INTERACTIONS.slice(1)) {
    const xs = runs.map(run => run[key]).filter(Boolean);
    if (xs.length > 0) {
      out[key] = figures(xs);
    }
  }
  const all = Object.values(out).map(f => f.max);
  if (all.length > 0) {
    out.all = Math.max(...all);
  }
  return out;
}

/** The interactions' section: times, long tasks and their attribution. */
function interactionLines(x) {
  const lines = [''];
  const ms = v => (v === undefined ? 'n/a' : `${v.toFixed(0)} ms`);
  lines.push(
    `on the 100k folder, helper kernel warm, ${x.runs.length} runs; ` +
      `find ${ms(median(x.find))} in the same run`
  );
  lines.push(
    `${pad('', 42)}${pad('takes, median', 16)}longest main-thread task med/max`
  );
  for (const [key, what] of INTERACTIONS) {
    const xs = x.runs.map(r => r[key]).filter(Boolean);
    if (xs.length === 0) {
      continue;
    }
    lines.push(
      `${pad(what, 42)}${pad(ms(median(xs.map(v => v.ms))), 16)}` +
        `${ms(median(xs.map(v => v.longTask)))} / ${ms(Math.max(...xs.map(v => v.longTask)))}`
    );
  }
  if (x.attribution) {
    lines.push('');
    lines.push(
      x.attribution.length === 0
        ? 'traced run: no main-thread task over 50 ms'
        : 'traced run: main-thread tasks over 50 ms (tracing slows them)'
    );
    lines.push(...attributionLines(x.attribution));
  }
  return lines;
}

/** Issue 10's table (and the load rows of issues 9 and 13): row, measured, target, verdict. */
function issueTable(r) {
  const b = r.browser;
  const rows = [];
  const add = (what, measured, target, ok) =>
    rows.push([
      what,
      measured ?? 'n/a',
      target,
      ok === undefined ? (measured ? '(info)' : '') : ok ? 'ok' : 'MISSED'
    ]);
  const ms = x =>
    x === undefined || Number.isNaN(x) ? 'n/a' : `${x.toFixed(0)} ms`;
  const times = (x, base) => `${(x / base).toFixed(2)}× find (${ms(base)})`;
  const cliRatio = r.check && r.find ? r.check.ms / r.find.ms : undefined;
  add(
    'CLI check --json, 100k files (half excluded)',
    cliRatio &&
      `${fmtS(r.check.ms)} = ${cliRatio.toFixed(2)}× find (${fmtS(r.find.ms)})`,
    '<= 1.0× find',
    cliRatio && cliRatio <= 1
  );
  if (b) {
    const { small, big } = b;
    add(
      'browser verdict, 1,561 files, helper kernel warm',
      small.warm !== undefined &&
        `${ms(small.warm)} median (${small.warmRange})`,
      '<= 100 ms',
      small.warm !== undefined && small.warm <= 100
    );
    add(
      'browser verdict, 1,561 files, first Submit (helper kernel starts)',
      small.cold !== undefined &&
        `${ms(small.cold)} median (${small.coldRange})`,
      '<= 300 ms',
      small.cold !== undefined && small.cold <= 300
    );
    add(
      '  same, helper kernel started early (prestartHelper, default)',
      small.prestart !== undefined &&
        `${ms(small.prestart)} median (${small.prestartRange}); warm ${ms(small.warm)}`,
      '<= 300 ms',
      small.prestart !== undefined && small.prestart <= 300
    );
    const warmX = big.warm / big.find;
    add(
      'browser verdict, 100k files (50k uploaded), warm',
      big.warm !== undefined &&
        `${ms(big.warm)} median = ${times(big.warm, big.find)}`,
      '<= 3× find, same run',
      big.warm !== undefined && warmX <= 3
    );
    add(
      'browser verdict, 100k files, first Submit (helper kernel starts)',
      big.cold !== undefined &&
        `${ms(big.cold)} median = ${times(big.cold, big.find)}`,
      '<= 3× find + 200 ms',
      big.cold !== undefined && big.cold <= 3 * big.find + 200
    );
    add(
      '  same, helper kernel started early (prestartHelper, default)',
      big.prestart !== undefined &&
        `${ms(big.prestart)} median = ${times(big.prestart, big.find)}`,
      '<= 3× find + 200 ms',
      big.prestart !== undefined && big.prestart <= 3 * big.find + 200
    );
    add(
      'longest gap between animation frames, 100k check',
      `${ms(big.frameGapMax)} worst, ${ms(big.frameGapMedian)} median per check`,
      '(info)'
    );
    for (const [label, f] of [
      ['~2k', small],
      ['100k', big]
    ]) {
      for (const [what, on] of [
        ['prestart', f.kernelOn],
        ['defaults (meter on)', f.kernelDefaults]
      ]) {
        const x = on / f.kernelOff;
        add(
          `notebook kernel start, ${what} / cold, ${label}`,
          `${ms(on)} / ${ms(f.kernelOff)} = ${x.toFixed(2)}`,
          '<= 1.10 (not slowed)',
          x <= 1.1
        );
      }
    }
    add(
      'first Submit with the default settings (meter on), ~2k / 100k',
      `${ms(small.defaults)} / ${ms(big.defaults)}`,
      '(info)'
    );
  }
  const tasks = longTaskFigures(r);
  if (tasks.check) {
    const c = tasks.check;
    const shown = `${ms(c.max)} worst, ${ms(c.median)} median (${c.n} checks)`;
    add(
      'longest main-thread task, 100k check (#10)',
      shown,
      '<= 50 ms',
      c.max <= 50
    );
    add(
      'longest main-thread task, 100k check (#9)',
      shown,
      '<= 100 ms',
      c.max <= 100
    );
  }
  for (const [key, what] of INTERACTIONS.slice(1)) {
    const f = tasks[key];
    if (f) {
      add(
        `  100k, ${what} (#10)`,
        `${ms(f.max)} worst, ${ms(f.median)} median; takes ${ms(f.took)}`,
        '<= 50 ms',
        f.max <= 50
      );
    }
  }
  if (tasks.all !== undefined) {
    add(
      '#9: 100k check, report and fixes: main-thread tasks',
      `${ms(tasks.all)} worst`,
      'none > 100 ms',
      tasks.all <= 100
    );
  }
  if (r.archive?.runs.length > 0) {
    const a = r.archive;
    const worst = Math.max(...a.runs.map(x => x.longTask));
    const took = median(a.runs.map(x => x.ms));
    add(
      '#16: archive in the browser, ~2k files: longest main-thread task',
      `${ms(worst)} worst; takes ${ms(took)} = ${(took / median(a.zip0)).toFixed(1)}× zip -0`,
      '<= 250 ms (was a test)',
      worst <= 250
    );
  }
  if (r.earlyOver) {
    const o = r.earlyOver;
    for (const [runs, what] of [
      [o, ''],
      [o.ignored, ', root .amlignore']
    ]) {
      const over = runs.over.every(v => v !== null)
        ? median(runs.over)
        : undefined;
      const report = median(runs.report);
      const find = median(runs.find);
      add(
        `browser "over" shown, ${count(o.files)} included files (v1)${what}, warm`,
        `${fmtS(over)}${over !== undefined ? ` = ${(over / find).toFixed(1)}× find` : ''}; ` +
          `report ${fmtS(report)}; find ${fmtS(find)}`,
        'before the totals',
        over !== undefined && over < report
      );
    }
  }
  if (r.scale) {
    const { with: big, without } = r.scale;
    const x = big.ms / without.ms;
    add(
      `check, folder with a ${count(SCALE_FILES)}-file excluded data/`,
      `${fmtS(big.ms)} = ${x.toFixed(2)}× the same without it (${fmtS(without.ms)})`,
      '<= 1.2× (about the same)',
      x <= 1.2
    );
  }
  const packX = r.zip0 && r.packStore ? r.zip0.ms / r.packStore.ms : undefined;
  add(
    'pack store vs zip -0 (throughput)',
    packX &&
      `${packX.toFixed(2)}×, peak RSS ${r.packStore.rssMB.toFixed(0)} MB`,
    '>= 1.6×, RSS <= 150 MB',
    packX && packX >= 1.6 && r.packStore.rssMB <= 150
  );
  if (r.meter) {
    const m = meterFigures(r.meter);
    add(
      '#13: meter cost, 100k folder (helper kernel + its worker)',
      `${m.directPerMin.toFixed(2)} s CPU/min = ${m.directShare.toFixed(1)} % of a core ` +
        `(${m.checks} checks in ${m.seconds.toFixed(0)} s)`,
      'a few % of a core (<= 5 %)',
      m.directShare <= 5 && m.checks > 0
    );
    add(
      '  the same as all Chromium + helper CPU, meter on − off',
      `${m.cpuPerMin.toFixed(2)} s CPU/min = ${m.share.toFixed(1)} % of a core`,
      '(info: typing noise)'
    );
    add(
      '#13: long tasks > 100 ms per min, in meter checks / off',
      `${m.ratePerMinDuring.toFixed(1)} / ${m.ratePerMinOff.toFixed(1)} ` +
        `(${m.over100} in checks, longest ${ms(m.longest)})`,
      'no more than meter off',
      m.checks > 0 && m.ratePerMinDuring <= m.ratePerMinOff
    );
  }
  const lines = ['', 'issue 10 (and the load rows of issues 9 and 13)'];
  const w = [66, 56, 28];
  for (const [what, measured, target, verdict] of rows) {
    lines.push(
      `${pad(what, w[0])}${pad(measured, w[1])}${pad(target, w[2])}${verdict}`
    );
  }
  return lines;
}

try {
  await main();
} catch (err) {
  process.stderr.write(`[bench] ${err?.stack ?? err}\n`);
}
process.exitCode = 0;
