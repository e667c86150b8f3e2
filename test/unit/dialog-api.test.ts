// Our dialogs extend JupyterLab's Dialog through its public API only: no
// class in src/ redefines one of Dialog's underscore members (its
// implementation details, protected or private, which change between
// releases), in either JupyterLab the extension supports (4.0 and current).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { ROOT } from '../helpers/tree.js';

/** Dialog's members whose names start with `_`, from its declarations. */
function internals(nodeModules: string): Set<string> {
  const dts = readFileSync(
    join(nodeModules, '@jupyterlab/apputils/lib/dialog.d.ts'),
    'utf8'
  );
  const cls = dts.slice(dts.indexOf('export declare class Dialog<'));
  const names = [...cls.matchAll(/^\s+(?:private|protected) (_\w+)/gm)].map(
    m => m[1]
  );
  assert.ok(names.length > 5, `Dialog's internals found in ${nodeModules}`);
  return new Set(names);
}

/** Members of classes in src/ that extend Dialog: `Class.member`. */
function dialogSubclassMembers(): { cls: string; member: string }[] {
  const out: { cls: string; member: string }[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        walk(path);
      } else if (/\.tsx?$/.test(e.name)) {
        const sf = ts.createSourceFile(
          path,
          readFileSync(path, 'utf8'),
          ts.ScriptTarget.Latest,
          true
        );
        const visit = (node: ts.Node) => {
          if (
            ts.isClassDeclaration(node) &&
            node.heritageClauses?.some(h =>
              h.types.some(t => /^Dialog\b/.test(t.expression.getText(sf)))
            )
          ) {
            for (const m of node.members) {
              if (m.name) {
                out.push({
                  cls: node.name?.getText(sf) ?? '?',
                  member: m.name.getText(sf)
                });
              }
            }
          }
          ts.forEachChild(node, visit);
        };
        visit(sf);
      }
    }
  };
  walk(join(ROOT, 'src'));
  return out;
}

test("no subclass of Dialog redefines one of Dialog's underscore members", () => {
  const members = dialogSubclassMembers();
  assert.ok(
    members.some(m => m.cls === 'GuardDialog'),
    'GuardDialog found and read'
  );
  for (const nm of [
    join(ROOT, 'node_modules'),
    join(ROOT, 'lab-harness-4.0', 'node_modules')
  ]) {
    const base = internals(nm);
    const clashes = members.filter(m => base.has(m.member));
    assert.deepEqual(
      clashes.map(m => `${m.cls}.${m.member}`),
      [],
      `against ${nm}`
    );
  }
});
