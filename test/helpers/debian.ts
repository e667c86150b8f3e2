/**
 * A Debian package's files without installing it: `apt-get download` and
 * `dpkg -x` into build/debian/<name>/ (git-ignored; kept between runs).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync
} from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './tree.js';

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  }
}

/** The extracted package's root folder (contains usr/...). */
export function extractDebianPackage(name: string): string {
  const dest = join(ROOT, 'build', 'debian', name);
  if (existsSync(dest)) {
    return dest;
  }
  // Next to dest, so the finished tree is renamed into place atomically.
  mkdirSync(join(ROOT, 'build', 'debian'), { recursive: true });
  const work = mkdtempSync(join(ROOT, 'build', 'debian', `.${name}-`));
  try {
    const download = () =>
      spawnSync('apt-get', ['download', '-qq', name], {
        cwd: work,
        encoding: 'utf8'
      });
    let r = download();
    if (r.status !== 0) {
      // A fresh machine may have no package lists yet.
      run('apt-get', ['update', '-qq'], work);
      r = download();
    }
    if (r.status !== 0) {
      throw new Error(`apt-get download ${name} failed:\n${r.stderr}`);
    }
    const deb = readdirSync(work).find(f => f.endsWith('.deb'));
    if (!deb) {
      throw new Error(`apt-get download ${name} left no .deb`);
    }
    const tree = join(work, 'tree');
    run('dpkg', ['-x', deb, tree], work);
    renameSync(tree, dest);
    return dest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
