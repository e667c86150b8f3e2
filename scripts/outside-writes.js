// "No test writes outside its temporary folder" (issue 9), checked on every
// `npm test`: the test processes get a TMPDIR of their own (every tempDir()
// lands there), and the checkout is listed before and after them. A file or
// folder of the checkout that is new, changed or gone afterwards fails the
// run; so does anything the tests left in their TMPDIR (a folder not
// removed). HOME is shared with other sessions on a developer's machine, so
// it is not judged here: the Jupyter servers of the tests get state folders
// of their own (test/helpers/jupyter-server.ts, test/e2e/harness.ts).
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

// Not listed: installed packages and git's own files (tests never write
// there, and they are big), and what the runner itself writes.
const SKIP = new Set(['node_modules', '.git']);
const RUNNER_OUTPUT = new Set([join('build', 'test-times.json')]);
// Kept on purpose, git-ignored, so allowed: Debian packages unpacked once
// by test/helpers/debian.ts, screenshots for people to look at
// (test/e2e/harness.ts artifactPath), stylelint's cache (lint.test.ts),
// the front end's build lock (scripts/harness.js, taken by e2e files),
// and the fresh-clone check's logs.
const CACHES = [
  join('build', 'debian'),
  join('build', 'e2e-artifacts'),
  '.stylelintcache',
  join('lab-harness', '.state'),
  // scripts/check-environments.sh logs here while its own clone's tests
  // run, maybe beside an `npm test` of this checkout.
  join('build', 'check-environments')
];

/** Start watching `root`; `env` is for the test processes. */
export function watchOutsideWrites(root) {
  const base = mkdtempSync(join(tmpdir(), 'sg-test-run-'));
  // Like /tmp: tests that run as another user make their folders here too.
  chmodSync(base, 0o755);
  const tmp = join(base, 'tmp');
  mkdirSync(tmp);
  chmodSync(tmp, 0o1777);
  const before = listing(root);
  return {
    env: { ...process.env, TMPDIR: tmp },
    /** What the tests wrote outside their folders, as lines; [] if nothing. */
    finish() {
      const after = listing(root);
      const found = [];
      for (const [path, sig] of after) {
        const was = before.get(path);
        if (was === undefined) {
          found.push(`created in the checkout: ${path}`);
        } else if (was !== sig) {
          found.push(`changed in the checkout: ${path}`);
        }
      }
      for (const path of before.keys()) {
        if (!after.has(path)) {
          found.push(`removed from the checkout: ${path}`);
        }
      }
      for (const name of readdirSync(tmp)) {
        found.push(`left in the tests' TMPDIR: ${name}`);
      }
      rmSync(base, { recursive: true, force: true });
      // The root's times change too when a cache is made in it.
      const cacheMade = CACHES.some(c => after.has(c) && !before.has(c));
      return found.filter(line => {
        const path = line.replace(/^[^:]*: /, '');
        if (path === '.' && cacheMade) {
          return false;
        }
        return !RUNNER_OUTPUT.has(path) && !allowedCache(path);
      });
    }
  };
}

/** In a cache, or a folder holding one (its times change as it is made). */
function allowedCache(path) {
  return CACHES.some(
    c => path === c || path.startsWith(`${c}/`) || c.startsWith(`${path}/`)
  );
}

/** path -> size, mtime and ctime of every entry under `root` (links not followed). */
function listing(root) {
  const out = new Map();
  const walk = dir => {
    for (const name of readdirSync(dir)) {
      if (dir === root && SKIP.has(name)) {
        continue;
      }
      const abs = join(dir, name);
      let st;
      try {
        st = lstatSync(abs);
      } catch {
        continue; // removed while listed
      }
      if (st.isDirectory() && SKIP.has(name)) {
        continue;
      }
      // A folder's times change when an entry is made or removed inside
      // it, so a file made and removed again is still seen.
      out.set(relative(root, abs), `${st.size}:${st.mtimeMs}:${st.ctimeMs}`);
      if (st.isDirectory()) {
        walk(abs);
      }
    }
  };
  // The root's own times too: a file made and removed in it.
  const st = lstatSync(root);
  out.set('.', `${st.size}:${st.mtimeMs}:${st.ctimeMs}`);
  walk(root);
  return out;
}
