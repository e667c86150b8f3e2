import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import type { ISnapshotReport } from '../snapshot/accounting.js';
import { formatBytes, formatCount } from '../snapshot/format.js';
import { lineRef } from '../snapshot/accounting.js';
import { escapeUnsafe, fsencode, quoteName } from '../snapshot/fsname.js';
import {
  isProfileSetting,
  profileOfSdk,
  resolveLimits,
  sdkOfProfile,
  type ILimitOverrides,
  type IReason
} from '../snapshot/limits.js';
import { parentOf } from '../snapshot/paths.js';
import { IgnoreFileError, RuleSet } from '../snapshot/rules.js';
import { reportOf, scanFolder, type IScan } from '../snapshot/scan.js';
import { detectSdk, type ICodeSource } from '../snapshot/sdk-detect.js';
import { FolderBlocker, SDK_NAMES } from '../snapshot/sdk-model.js';
import type { ILimits, Sdk } from '../snapshot/types.js';
import { NodeFileSystem } from './node-fs.js';

const USAGE = `Usage: snapshot-guard <command> <dir> [options]

Checks a folder the way Azure ML counts a job's code snapshot.

Commands:
  check <dir>          summary and verdict (exit 0 ok or near, 1 over, 2 error
                       or something that makes the SDK fail)
  ls <dir>             the files the SDK would upload, one per line
  why <dir> <path>     whether a path is uploaded, and which rule decided
  suggest <dir>        propose .amlignore lines that bring it within the limits
  pack <dir> -o FILE   zip exactly the uploaded files

Options:
  --profile NAME       auto (default: the SDK the code imports, else
                       azureml-v1), azureml-v1 (azureml-core) or
                       azureml-v2 (azure-ai-ml)
  --max-bytes N        byte limit (default 314572800 for azureml-v1)
  --max-files N|none   file limit (default 2000; none = no file limit, as
                       AML_SNAPSHOT_NO_FILE_LIMIT)
  --near F             fraction of a limit that counts as near (default 0.8)
  --json               (check, suggest) print one JSON object
  --notebook PATH      the notebook being submitted, relative to <dir>:
                       its imports decide the auto profile; suggest keeps it
  --write              (suggest) write .amlignore (appends to an existing one)
  -z, --null           (ls) end each path with NUL instead of a newline
  -o, --output FILE    (pack) the zip to write
  -h, --help           this help
`;

/** An error that stops the run: printed without a stack, exit code 2. */
class UsageError extends Error {}

interface IOptions {
  profile?: string;
  'max-bytes'?: string;
  'max-files'?: string;
  near?: string;
  json?: boolean;
  notebook?: string;
  write?: boolean;
  output?: string;
  null?: boolean;
  help?: boolean;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        profile: { type: 'string' },
        'max-bytes': { type: 'string' },
        'max-files': { type: 'string' },
        near: { type: 'string' },
        json: { type: 'boolean' },
        notebook: { type: 'string' },
        write: { type: 'boolean' },
        output: { type: 'string', short: 'o' },
        null: { type: 'boolean', short: 'z' },
        help: { type: 'boolean', short: 'h' }
      }
    });
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${USAGE}`);
  }
  const opts = parsed.values as IOptions;
  const [command, dir, ...rest] = parsed.positionals;
  if (opts.help || command === undefined) {
    process.stdout.write(USAGE);
    return opts.help ? 0 : 2;
  }
  try {
    if (!['check', 'ls', 'why', 'suggest', 'pack'].includes(command)) {
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
    }
    if (command === 'why' && rest.length !== 1) {
      throw new UsageError('why needs a folder and one path');
    }
    const folder = folderArg(dir);
    const profile = profileFrom(folder, opts);
    const limits = limitsFrom(profile.sdk, opts);
    switch (command) {
      case 'check':
        return await check(folder, limits, profile, opts);
      case 'ls':
        return await list(folder, limits, profile, opts);
      case 'why':
        return await why(folder, rest[0], profile);
      case 'suggest':
        return await suggest(folder, limits, profile, opts);
      default:
        return await pack(folder, limits, profile, opts);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof IgnoreFileError) {
      return fail(err.message);
    }
    if ((err as Error).name === 'WriteRefusedError') {
      return fail((err as Error).message);
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'EPERM') {
      // Writes report their own errors (above, and in pack): this is a read.
      return fail(`cannot read ${e.path ?? 'the folder'}: permission denied`);
    }
    if (e.name === 'AbortError') {
      return fail('cancelled');
    }
    return fail(e.message ?? String(err));
  }
}

function fail(message: string): number {
  process.stderr.write(`snapshot-guard: ${escapeUnsafe(message.trimEnd())}\n`);
  return 2;
}

function folderArg(dir: string | undefined): string {
  if (dir === undefined) {
    throw new UsageError(`missing folder\n\n${USAGE}`);
  }
  if (!existsSync(dir)) {
    throw new UsageError(`${dir}: no such folder`);
  }
  if (!statSync(dir).isDirectory()) {
    throw new UsageError(
      `${dir} is a file, not a folder: give the folder Azure ML would snapshot`
    );
  }
  return dir;
}

interface IProfile {
  sdk: Sdk;
  reason: string;
}

/** Most code files read to tell the SDK (profile auto), and their size cap. */
const MAX_CODE_FILES = 200;
const MAX_CODE_BYTES = 2 * 1024 * 1024;

/**
 * The SDK to model: the one named, or (auto) the one the notebook and the
 * folder's top-level code import.
 */
function profileFrom(dir: string, opts: IOptions): IProfile {
  const profile = opts.profile ?? 'auto';
  if (!isProfileSetting(profile)) {
    throw new UsageError(
      `unknown profile "${profile}": use auto, azureml-v1 or azureml-v2`
    );
  }
  if (profile !== 'auto') {
    return { sdk: sdkOfProfile(profile), reason: `--profile ${profile}` };
  }
  const read = (rel: string): ICodeSource | null => {
    try {
      const abs = resolve(dir, rel);
      const st = statSync(abs);
      if (!st.isFile() || st.size > MAX_CODE_BYTES) {
        return null;
      }
      return { path: rel, text: readFileSync(abs, 'utf8') };
    } catch {
      return null;
    }
  };
  const notebook = opts.notebook ? read(toRelative(dir, opts.notebook)) : null;
  const folder: ICodeSource[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (folder.length >= MAX_CODE_FILES) {
      break;
    }
    if (/\.(py|ipynb)$/.test(name) && name !== notebook?.path) {
      const src = read(name);
      if (src) {
        folder.push(src);
      }
    }
  }
  const choice = detectSdk(notebook, folder);
  return { sdk: choice.sdk, reason: `auto: ${choice.reason}` };
}

function limitsFrom(sdk: Sdk, opts: IOptions): ILimits {
  const overrides: ILimitOverrides = {};
  if (opts['max-bytes'] !== undefined) {
    overrides.maxBytes = count(opts['max-bytes'], '--max-bytes');
  }
  if (opts['max-files'] !== undefined) {
    overrides.maxFiles =
      opts['max-files'] === 'none'
        ? null
        : count(opts['max-files'], '--max-files');
  } else if (process.env.AML_SNAPSHOT_NO_FILE_LIMIT) {
    overrides.maxFiles = null;
  }
  if (opts.near !== undefined) {
    const f = Number(opts.near);
    if (!(f > 0 && f <= 1)) {
      throw new UsageError(
        `--near must be a fraction in (0, 1], not "${opts.near}"`
      );
    }
    overrides.nearFraction = f;
  }
  return resolveLimits(profileOfSdk(sdk), overrides);
}

function count(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) {
    throw new UsageError(`${flag} must be a whole number, not "${text}"`);
  }
  return Number(text);
}

async function scan(dir: string, profile: IProfile): Promise<IScan> {
  const fs = new NodeFileSystem(dir);
  const progress = progressLine();
  try {
    return await scanFolder(fs, {
      sdk: profile.sdk,
      profileReason: profile.reason,
      rootId: fs.rootId,
      onProgress: progress.update
    });
  } finally {
    progress.done();
  }
}

/** On a terminal, a "scanning… N files" line on stderr. */
function progressLine(label = 'scanning') {
  const tty = process.stderr.isTTY;
  let last = 0;
  let shown = false;
  return {
    update(files: number) {
      const now = Date.now();
      if (tty && now - last > 100) {
        last = now;
        shown = true;
        process.stderr.write(`\r${label}… ${formatCount(files)} files`);
      }
    },
    done() {
      if (shown) {
        process.stderr.write('\r\x1b[K');
      }
    }
  };
}

async function check(
  dir: string,
  limits: ILimits,
  profile: IProfile,
  opts: IOptions
): Promise<number> {
  const report = reportOf(await scan(dir, profile), limits);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(toJson(dir, report), null, 2)}\n`);
  } else {
    process.stdout.write(summary(dir, report));
  }
  return exitCode(report);
}

/** 2 where the SDK itself would fail, 1 over a limit, else 0. */
function exitCode(r: ISnapshotReport): number {
  return r.failures.length > 0 ? 2 : r.verdict === 'over' ? 1 : 0;
}

function toJson(dir: string, r: ISnapshotReport) {
  return {
    root: resolve(dir),
    sdk: SDK_NAMES[r.sdk],
    profile: r.limits.profile,
    profileReason: r.profileReason,
    ignoreFile: r.ignoreFile,
    fileCount: r.files,
    totalBytes: r.totalBytes,
    uploadBytes: r.uploadBytes,
    limits: r.limits,
    verdict: r.verdict,
    reasons: r.reasons,
    failures: r.failures,
    excluded: r.excluded,
    top: r.top.slice(0, 10),
    types: r.types.slice(0, 10),
    warnings: r.warnings,
    deadLines: r.deadLines,
    complete: r.complete
  };
}

function describeReason(reason: IReason, limits: ILimits): string {
  const limit =
    reason.limit === 'bytes'
      ? `the ${formatBytes(limits.maxBytes ?? 0)} size limit`
      : reason.limit === 'files'
        ? `the ${formatCount(limits.maxFiles ?? 0)}-file limit`
        : reason.limit === 'warn-bytes'
          ? `the ${formatBytes(limits.warnBytes ?? 0)} at which Azure ML warns`
          : '';
  if (reason.limit === 'sdk-error') {
    return 'the SDK would fail on the folder (see below)';
  }
  if (reason.limit === 'empty') {
    return 'the folder has no file to upload: Azure ML refuses an empty code folder';
  }
  return reason.level === 'over' ? `over ${limit}` : `near ${limit}`;
}

function summary(dir: string, r: ISnapshotReport): string {
  const out: string[] = [];
  const rules =
    r.ignoreFile === null
      ? 'no .amlignore or .gitignore: nothing is excluded'
      : r.ignoreFile === '.gitignore'
        ? 'rules from .gitignore; no .amlignore'
        : 'rules from .amlignore';
  out.push(quoteName(resolve(dir)));
  out.push(`  SDK: ${SDK_NAMES[r.sdk]} (${r.profileReason})`);
  out.push(`  ${rules}`);
  const limitText = [
    r.limits.maxBytes !== null ? formatBytes(r.limits.maxBytes) : null,
    r.limits.maxFiles !== null
      ? `${formatCount(r.limits.maxFiles)} files`
      : null
  ]
    .filter(Boolean)
    .join(' / ');
  const sized =
    r.totalBytes === r.uploadBytes
      ? ''
      : `; its size check counts ${formatBytes(r.totalBytes)}`;
  out.push(
    `Snapshot: ${formatCount(r.files)} files, ${formatBytes(r.uploadBytes)} uploaded${sized}` +
      (limitText
        ? ` (limits ${limitText}, ${r.limits.profile})`
        : ` (${r.limits.profile})`)
  );
  const verdict = r.verdict.toUpperCase();
  const why = r.reasons.map(x => describeReason(x, r.limits)).join('; ');
  out.push(`Verdict: ${verdict}${why ? `: ${why}` : ''}`);
  if (r.top.length > 0) {
    out.push('', 'Biggest contributors:');
    const top = r.top.slice(0, 10);
    const max = Math.max(...top.map(t => t.bytes), 1);
    const width = Math.min(40, Math.max(...top.map(t => t.path.length + 1)));
    for (const t of top) {
      const name = quoteName(t.kind === 'dir' ? `${t.path}/` : t.path);
      const bar = '█'.repeat(
        Math.max(t.bytes > 0 ? 1 : 0, Math.round((t.bytes / max) * 24))
      );
      out.push(
        `  ${clip(name, width).padEnd(width)}  ${bar.padEnd(24)}  ${formatBytes(t.bytes).padStart(9)}  ${formatCount(t.files).padStart(7)} files`
      );
    }
  }
  if (r.ignoreFile !== null) {
    const pruned = r.excluded.prunedFolders.length;
    out.push(
      '',
      `Excluded by ${r.ignoreFile}: ${formatCount(r.excluded.files)} files, ${formatBytes(r.excluded.bytes)}` +
        (pruned > 0
          ? ` (+ ${formatCount(pruned)} folder${pruned === 1 ? '' : 's'} skipped unread: ${r.excluded.prunedFolders.slice(0, 5).map(quoteName).join(', ')}${pruned > 5 ? ', …' : ''})`
          : '')
    );
  }
  if (r.failures.length > 0) {
    out.push('', `${SDK_NAMES[r.sdk]} would fail (${r.failures.length}):`);
    for (const f of r.failures.slice(0, 20)) {
      out.push(`  ${quoteName(f.path)}: ${escapeUnsafe(f.message)}`);
    }
  }
  if (r.deadLines.length > 0) {
    out.push('', `Lines with no effect under ${SDK_NAMES[r.sdk]}:`);
    for (const d of r.deadLines) {
      out.push(
        `  ${d.source} line ${d.line} ${JSON.stringify(d.text)}: ${escapeUnsafe(d.reason)}`
      );
    }
  }
  if (!r.complete) {
    out.push('', 'note: the figures are incomplete (see the warnings)');
  }
  if (r.warnings.length > 0) {
    out.push('', `Warnings (${r.warnings.length}):`);
    for (const w of r.warnings.slice(0, 20)) {
      out.push(`  ${quoteName(w.path)}: ${escapeUnsafe(w.message)}`);
    }
    if (r.warnings.length > 20) {
      out.push(`  … and ${r.warnings.length - 20} more (see --json)`);
    }
  }
  if (r.verdict === 'over') {
    out.push(
      '',
      `Run "snapshot-guard suggest ${escapeUnsafe(dir)}" for an .amlignore that fixes it.`
    );
  }
  return `${out.join('\n')}\n`;
}

function clip(s: string, width: number): string {
  return s.length <= width ? s : `…${s.slice(s.length - width + 1)}`;
}

async function list(
  dir: string,
  limits: ILimits,
  profile: IProfile,
  opts: IOptions = {}
): Promise<number> {
  const report = reportOf(await scan(dir, profile), limits);
  if (opts.null) {
    // The exact bytes of each name, as find -print0 gives them.
    const zero = Buffer.from([0]);
    process.stdout.write(
      Buffer.concat(report.included.flatMap(f => [fsencode(f.path), zero]))
    );
  } else {
    // One path per line, unambiguous and harmless to a terminal: names
    // with a line break, a control character or a byte that is not UTF-8
    // are quoted the way git quotes them (use -z for raw bytes).
    process.stdout.write(
      report.included.map(f => `${quoteName(f.path)}\n`).join('')
    );
  }
  warnOnStderr(report);
  return report.failures.length > 0 ? 2 : 0;
}

function warnOnStderr(r: ISnapshotReport) {
  for (const f of r.failures) {
    process.stderr.write(
      `error: ${quoteName(f.path)}: ${escapeUnsafe(f.message)}\n`
    );
  }
  for (const w of r.warnings) {
    process.stderr.write(
      `warning: ${quoteName(w.path)}: ${escapeUnsafe(w.message)}\n`
    );
  }
}

async function why(
  dir: string,
  path: string,
  profile: IProfile
): Promise<number> {
  const rel = toRelative(dir, path);
  const s = await scan(dir, profile);
  const mine = verdictFor(s.rules, rel, s.ignoreFile);
  let text = `${quoteName(rel)}: ${mine.text}`;
  // The other SDK reads the same file with its own decoding and matcher.
  const other: Sdk = s.sdk === 'v1' ? 'v2' : 'v1';
  let otherRules: RuleSet | null = null;
  try {
    const bytes = s.ignoreFile
      ? readFileSync(resolve(dir, s.ignoreFile))
      : new Uint8Array();
    const { decodeIgnoreFile } = await import('../snapshot/rules.js');
    otherRules = RuleSet.parse(
      s.ignoreFile ? decodeIgnoreFile(bytes, s.ignoreFile, other) : '',
      s.ignoreFile,
      other
    );
  } catch (err) {
    text += `\n  ${SDK_NAMES[other]} would refuse the ignore file: ${escapeUnsafe((err as Error).message)}`;
  }
  if (otherRules) {
    const theirs = verdictFor(otherRules, rel, s.ignoreFile);
    if (theirs.uploaded !== mine.uploaded) {
      text += ` ${SDK_NAMES[other]} would ${theirs.uploaded ? 'upload it' : 'leave it out'}.`;
    }
  }
  const exists = s.files.some(f => f.path === rel);
  const pruned = s.prunedFolders.find(d => rel.startsWith(`${d}/`));
  if (!exists && !pruned) {
    text += '\n  note: no such file was found in the folder';
  }
  process.stdout.write(`${text}\n`);
  return 0;
}

/** Is `rel` uploaded under these rules, and which lines decided it (in words)? */
function verdictFor(
  rules: RuleSet,
  rel: string,
  ignoreFile: string | null
): { uploaded: boolean; text: string } {
  const sdk = SDK_NAMES[rules.sdk];
  const decision = rules.decide(rel);
  const where = decision.rule ? escapeUnsafe(lineRef(decision.rule)) : null;
  if (decision.excluded) {
    return {
      uploaded: false,
      text: `not uploaded by ${sdk}: excluded by ${decision.rule?.source} ${where}.`
    };
  }
  if (rules.sdk === 'v1') {
    const folder = new FolderBlocker(rules).of(parentOf(rel));
    if (folder !== null) {
      const shut = rules.decide(folder).rule;
      return {
        uploaded: false,
        text:
          `not uploaded by ${sdk}: the folder \`${escapeUnsafe(folder)}\` is excluded by ${shut ? escapeUnsafe(lineRef(shut)) : 'the rules'}, and ${sdk} never looks inside it` +
          (where ? `, so ${where} is never reached.` : '.')
      };
    }
  }
  if (where) {
    return {
      uploaded: true,
      text: `uploaded by ${sdk}: brought back by ${where}.`
    };
  }
  return {
    uploaded: true,
    text: `uploaded by ${sdk}: ${ignoreFile ? `no line of ${ignoreFile} matches it` : 'no .amlignore or .gitignore'}.`
  };
}

function toRelative(dir: string, path: string): string {
  // Accept a path relative to <dir> (the usual case) or to the current folder.
  const fromCwd = relative(resolve(dir), resolve(path));
  const rel =
    existsSync(resolve(path)) &&
    !fromCwd.startsWith('..') &&
    existsSync(resolve(dir, fromCwd))
      ? fromCwd
      : path;
  return rel.split(sep).join('/').replace(/^\.\//, '').replace(/\/+$/, '');
}

async function suggest(
  dir: string,
  limits: ILimits,
  profile: IProfile,
  opts: IOptions
): Promise<number> {
  const s = await scan(dir, profile);
  const notebook = opts.notebook ? toRelative(dir, opts.notebook) : undefined;
  // Loaded on demand: `check`, the common case, starts faster without them.
  const { propose } = await import('../snapshot/advisor.js');
  const { composeAmlignore } = await import('../snapshot/amlignore.js');
  const proposal = propose(s, limits, { notebook });
  const chosen = proposal.lines.filter(l => l.checked).map(l => l.pattern);
  const { text, mode } = composeAmlignore(s, chosen);
  if (opts.json) {
    const { deadLines } = reportOf(s, limits);
    process.stdout.write(
      `${JSON.stringify({ ...proposal, amlignore: text, mode, deadLines, sdk: SDK_NAMES[s.sdk], profileReason: s.profileReason }, null, 2)}\n`
    );
  } else {
    const out: string[] = [];
    const t = (x: { files: number; bytes: number; verdict: string }) =>
      `${formatCount(x.files)} files, ${formatBytes(x.bytes)} (${x.verdict})`;
    out.push(`Before: ${t(proposal.before)}`);
    if (!proposal.needed) {
      out.push(
        'The snapshot is within its limits: nothing needs to be excluded.'
      );
    }
    out.push(`After:  ${t(proposal.after)}`);
    if (!proposal.reachesTarget) {
      out.push(
        'warning: even with these lines the snapshot stays near or over its limits; consider moving the notebook into a clean folder'
      );
    }
    if (chosen.length > 0) {
      out.push(
        '',
        `Proposed .amlignore (${mode === 'append' ? 'appended to the existing file' : 'new file'}):`,
        ''
      );
      out.push(...text.trimEnd().split('\n').map(escapeUnsafe));
    }
    const report = reportOf(s, limits);
    if (report.deadLines.length > 0) {
      out.push(
        '',
        `Lines of ${s.ignoreFile} with no effect under ${SDK_NAMES[s.sdk]}:`
      );
      for (const d of report.deadLines) {
        out.push(`  line ${d.line} ${JSON.stringify(d.text)}: ${d.reason}`);
      }
    }
    const extra = proposal.lines.filter(l => !l.checked);
    if (extra.length > 0) {
      out.push('', 'Also worth excluding (not needed for the limits):');
      for (const l of extra) {
        out.push(
          `  ${escapeUnsafe(l.pattern)}    ${formatBytes(l.bytes)}, ${formatCount(l.files)} files`
        );
      }
    }
    process.stdout.write(`${out.join('\n')}\n`);
  }
  if (opts.write) {
    if (chosen.length === 0) {
      process.stderr.write('Nothing to write: .amlignore left as it is.\n');
      return 0;
    }
    const target = resolve(dir, '.amlignore');
    // Refuse if the file changed since the scan: never lose the user's edits.
    const then = s.ignoreFile === '.amlignore' ? s.ignoreText : null;
    const { NodeWriter } = await import('./write-if-unchanged.js');
    const outcome = await new NodeWriter(dir).writeIfUnchanged(
      '.amlignore',
      text,
      then
    );
    if (outcome === 'changed') {
      throw new UsageError(
        '.amlignore changed while it was being checked; nothing was written. Run suggest again.'
      );
    }
    process.stderr.write(`Wrote ${escapeUnsafe(target)}\n`);
  }
  return 0;
}

async function pack(
  dir: string,
  limits: ILimits,
  profile: IProfile,
  opts: IOptions
): Promise<number> {
  if (!opts.output) {
    throw new UsageError('pack needs -o <file.zip>');
  }
  const report = reportOf(await scan(dir, profile), limits);
  warnOnStderr(report);
  const { packFolderToFile } = await import('./node-pack.js');
  const progress = progressLine('packing');
  // Ctrl-C aborts the pack so that no partial zip is left behind.
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const result = await packFolderToFile(dir, report.included, opts.output, {
      onProgress: p => progress.update(p.files),
      signal: abort.signal
    }).catch(err => {
      const e = err as NodeJS.ErrnoException;
      // Reads of the folder fail inside the packer with their own message;
      // an errno here is the zip's folder refusing the write.
      if (
        (e.code === 'EACCES' || e.code === 'EPERM') &&
        e.syscall === 'open' &&
        e.path &&
        !e.path.startsWith(resolve(dir))
      ) {
        throw new UsageError(`cannot write ${opts.output}: permission denied`);
      }
      throw err;
    });
    progress.done();
    process.stderr.write(
      `Packed ${formatCount(result.files)} files (${formatBytes(result.bytes)}) into ${opts.output} (${formatBytes(result.zipBytes)})\n`
    );
  } finally {
    process.off('SIGINT', onSigint);
    progress.done();
  }
  return 0;
}
