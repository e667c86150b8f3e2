import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  truncateSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { asOtherUser, sharedCli } from './other-user.js';

/** The repository root (tests run from build/test/...). */
export const ROOT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../..'
);
export const CLI = join(ROOT, 'bin', 'snapshot-guard.js');

/** A fresh temporary folder, removed by `cleanup()`. */
export function tempDir(prefix = 'sg-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function cleanup(dir: string) {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Temporary folders for one test file, removed after its tests: call it at
 * the file's top level (it registers that `after` hook there).
 */
export function tempFolders(prefix: string): {
  /** A fresh folder holding `files` (see `makeTree`). */
  folder(files?: Record<string, string | number>): string;
  /** Remove `dir` too, a folder made elsewhere; returns it. */
  track(dir: string): string;
} {
  const made: string[] = [];
  after(() => made.forEach(cleanup));
  return {
    folder(files = {}) {
      const d = tempDir(prefix);
      made.push(d);
      makeTree(d, files);
      return d;
    },
    track(dir) {
      made.push(dir);
      return dir;
    }
  };
}

/**
 * Create files under `root`: a string is the content, a number a sparse file
 * of that many bytes (no disk cost).
 */
export function makeTree(root: string, files: Record<string, string | number>) {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, path);
    mkdirSync(dirname(abs), { recursive: true });
    if (typeof content === 'number') {
      writeFileSync(abs, '');
      truncateSync(abs, content);
    } else {
      writeFileSync(abs, content);
    }
  }
}

export interface ICliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run the real command line as a whole process. */
export function cli(
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** As a user without root's rights (see other-user.ts). */
    asOtherUser?: boolean;
  } = {}
): ICliResult {
  const [cmd, argv] = opts.asOtherUser
    ? asOtherUser([...sharedCli().argv, ...args])
    : [process.execPath, [CLI, ...args]];
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    // The other user may not be able to enter the checkout.
    cwd: opts.cwd ?? (opts.asOtherUser ? '/' : ROOT),
    maxBuffer: 256 * 1024 * 1024
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `check --json` parsed. */
export function checkJson(dir: string, extra: string[] = []): any {
  const r = cli(['check', dir, '--json', ...extra]);
  if (r.status === 2) {
    throw new Error(`check failed: ${r.stderr}`);
  }
  return JSON.parse(r.stdout);
}
