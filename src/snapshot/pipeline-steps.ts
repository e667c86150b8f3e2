/**
 * Pipeline steps, one folder each (the documentation's fourth fix): find
 * each step's code folder in a notebook's source, so that each can be
 * checked as the snapshot it is (spec section 6). Literal strings and
 * simple `os.path.join` calls are understood, also through a variable
 * assigned one of them; anything else is reported as not determined.
 */
import { joinPath, parentOf } from './paths.js';

export type StepKind =
  'PythonScriptStep' | 'ScriptRunConfig' | 'command' | 'component';

export interface IStepFolder {
  kind: StepKind;
  /**
   * The folder relative to the notebook's folder (`''`: that folder), or
   * null when the source does not say it plainly.
   */
  folder: string | null;
  /** The argument as written, e.g. `os.path.join(base, "train")`. */
  expression: string;
  /** 1-based line of the call in the code given. */
  line: number;
}

/** The calls that take a step's code folder, and the keyword that names it. */
const CALLS: {
  name: RegExp;
  kind: StepKind;
  keyword: string;
  first: boolean;
}[] = [
  // azureml-core (v1): ScriptRunConfig(source_directory, script, ...).
  {
    name: /\bPythonScriptStep$/,
    kind: 'PythonScriptStep',
    keyword: 'source_directory',
    first: false
  },
  {
    name: /\bScriptRunConfig$/,
    kind: 'ScriptRunConfig',
    keyword: 'source_directory',
    first: true
  },
  // azure-ai-ml (v2): command(...) takes keywords only.
  { name: /(^|\.)command$/, kind: 'command', keyword: 'code', first: false },
  {
    name: /\b(CommandComponent|command_component|ParallelComponent|SparkComponent|spark)$/,
    kind: 'component',
    keyword: 'code',
    first: false
  }
];

/** Every step folder named in `code` (a notebook's code cells, joined). */
export function findStepFolders(code: string): IStepFolder[] {
  const text = stripComments(code);
  const vars = assignments(text);
  const out: IStepFolder[] = [];
  const callRe = /([A-Za-z_][\w.]*)\s*\(/g;
  for (let m = callRe.exec(text); m; m = callRe.exec(text)) {
    const spec = CALLS.find(c => c.name.test(m![1]));
    if (!spec) {
      continue;
    }
    const open = m.index + m[0].length - 1;
    const args = splitArgs(text, open);
    if (args === null) {
      continue;
    }
    let expr: string | undefined;
    for (const a of args) {
      const kw = /^([A-Za-z_]\w*)\s*=(?!=)\s*([\s\S]*)$/.exec(a);
      if (kw && kw[1] === spec.keyword) {
        expr = kw[2].trim();
      }
    }
    if (
      expr === undefined &&
      spec.first &&
      args.length > 0 &&
      !/^[A-Za-z_]\w*\s*=(?!=)/.test(args[0])
    ) {
      expr = args[0].trim();
    }
    if (expr === undefined) {
      continue;
    }
    const line = text.slice(0, m.index).split('\n').length;
    const value = evaluate(expr, vars, 0);
    out.push({
      kind: spec.kind,
      folder: value === null ? null : normalize(value),
      expression: expr.replace(/\s+/g, ' '),
      line
    });
  }
  return out;
}

/** `./steps/train/` → `steps/train`; `.` → `''`; `..` parts resolved. */
function normalize(path: string): string | null {
  if (
    path.startsWith('/') ||
    /^[A-Za-z]:[\\/]/.test(path) ||
    path.includes('://')
  ) {
    return null;
  }
  let out = '';
  // On the Linux server a backslash is part of a name, as os.path has it.
  for (const part of path.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      if (out === '') {
        // Above the notebook's folder: outside what is checked.
        return null;
      }
      out = parentOf(out);
    } else {
      out = joinPath(out, part);
    }
  }
  return out;
}

/** Comments removed (not inside strings); line count kept. */
function stripComments(code: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (quote) {
      out += ch;
      if (ch === '\\') {
        out += code[++i] ?? '';
      } else if (code.startsWith(quote, i)) {
        out += quote.slice(1);
        i += quote.length - 1;
        quote = null;
      }
    } else if (ch === '#') {
      while (i < code.length && code[i] !== '\n') {
        i++;
      }
      out += '\n';
    } else if (ch === '"' || ch === "'") {
      quote = code.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      out += quote;
      i += quote.length - 1;
    } else {
      out += ch;
    }
  }
  return out;
}

/** The arguments of the call whose `(` is at `open`, split at top-level commas. */
function splitArgs(text: string, open: number): string[] | null {
  const args: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') {
        i++;
      } else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      }
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = text.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      i += quote.length - 1;
    } else if ('([{'.includes(ch)) {
      depth++;
    } else if (')]}'.includes(ch)) {
      depth--;
      if (depth === 0) {
        const last = text.slice(start, i).trim();
        if (last !== '') {
          args.push(last);
        }
        return args;
      }
    } else if (ch === ',' && depth === 1) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return null;
}

/** `name = <expression>` at the start of a line: the last one wins. */
function assignments(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  const re = /^[ \t]*([A-Za-z_]\w*)[ \t]*=(?!=)[ \t]*(.+)$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    vars.set(m[1], m[2].trim());
  }
  return vars;
}

/** A literal string, an `os.path.join` of such, or a variable holding one. */
function evaluate(
  expr: string,
  vars: ReadonlyMap<string, string>,
  depth: number
): string | null {
  const e = expr.trim();
  if (depth > 8) {
    return null;
  }
  const lit = /^[rRuU]?(['"])((?:\\.|(?!\1)[^\\\n])*)\1$/.exec(e);
  if (lit) {
    const raw = /^[rR]/.test(e);
    return raw ? lit[2] : lit[2].replace(/\\(.)/g, '$1');
  }
  const join = /^(?:os\.path\.|path\.|posixpath\.)?join\s*\(/.exec(e);
  if (join && e.endsWith(')')) {
    const args = splitArgs(e, join[0].length - 1);
    if (args === null || args.length === 0) {
      return null;
    }
    const parts = args.map(a => evaluate(a, vars, depth + 1));
    if (parts.some(p => p === null)) {
      return null;
    }
    // os.path.join: an absolute part starts over.
    let out = '';
    for (const p of parts as string[]) {
      out = p.startsWith('/')
        ? p
        : out === ''
          ? p
          : `${out.replace(/\/+$/, '')}/${p}`;
    }
    return out;
  }
  if (/^[A-Za-z_]\w*$/.test(e) && vars.has(e)) {
    return evaluate(vars.get(e)!, vars, depth + 1);
  }
  return null;
}
