// Which functions make a long main-thread task (`npm run bench -- --trace`):
// a Chromium trace (CDP Tracing, with the V8 sampling profiler) of the
// page's interactions, and for each task on the page's main thread longer
// than a threshold, what its samples were doing: the innermost frame of
// this extension's code, the leaf frame, and the trace's own events (GC,
// layout, style) inside it.

const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'disabled-by-default-v8.cpu_profiler',
  'v8'
];

/** Start tracing `page`; `stop()` resolves to the trace's events. */
export async function startTrace(page) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', e => events.push(...e.value));
  await cdp.send('Tracing.start', {
    traceConfig: {
      includedCategories: CATEGORIES,
      recordMode: 'recordContinuously'
    },
    transferMode: 'ReportEvents'
  });
  return {
    async stop() {
      const complete = new Promise(resolve =>
        cdp.once('Tracing.tracingComplete', resolve)
      );
      await cdp.send('Tracing.end');
      await complete;
      await cdp.detach();
      return events;
    }
  };
}

const key = e => `${e.pid}:${e.tid}`;

/** True for a frame of this extension's bundle. */
function ours(frame) {
  return /snapshot[-_]guard/.test(frame.url ?? '');
}

function frameName(frame) {
  const file = (frame.url ?? '').split('/').pop().split('?')[0];
  return `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : ''}`;
}

/**
 * The page's main-thread tasks over `minMs`, each with its phase (the last
 * `console.timeStamp('phase:NAME')` before it) and what it spent its time
 * on. Returns [{ phase, ms, ours: [[name, ms]], leaf: [[name, ms]],
 * events: [[name, ms]] }], longest first.
 */
export function attributeLongTasks(events, { minMs = 50 } = {}) {
  const threads = new Map();
  for (const e of events) {
    if (e.ph === 'M' && e.name === 'thread_name') {
      threads.set(key(e), e.args.name);
    }
  }
  // The page's main thread: the renderer's main thread with our marks.
  const marks = events.filter(
    e =>
      e.name === 'TimeStamp' &&
      String(e.args?.data?.message ?? '').startsWith('phase:')
  );
  if (marks.length === 0) {
    return [];
  }
  const main = key(marks[0]);
  marks.sort((a, b) => a.ts - b.ts);
  const phaseAt = ts => {
    let name = '';
    for (const m of marks) {
      if (m.ts > ts) {
        break;
      }
      name = m.args.data.message.slice('phase:'.length);
    }
    return name;
  };
  const onMain = events.filter(e => key(e) === main && e.ph === 'X');
  // Not before the first mark: starting the profiler makes a long task.
  const tasks = onMain.filter(
    e => e.name === 'RunTask' && e.dur / 1000 >= minMs && e.ts >= marks[0].ts
  );

  // The sampling profile of that thread: nodes and timed samples.
  const nodes = new Map();
  const samples = [];
  const starts = new Map();
  for (const e of events) {
    if (e.name === 'Profile' && key(e) === main) {
      starts.set(e.id, { t: e.args.data.startTime });
    }
  }
  for (const e of events) {
    if (e.name !== 'ProfileChunk' || !starts.has(e.id)) {
      continue;
    }
    const data = e.args.data;
    for (const n of data.cpuProfile?.nodes ?? []) {
      nodes.set(`${e.id}:${n.id}`, {
        frame: n.callFrame,
        parent: n.parent === undefined ? null : `${e.id}:${n.parent}`
      });
    }
    const s = starts.get(e.id);
    const ids = data.cpuProfile?.samples ?? [];
    const deltas = data.timeDeltas ?? [];
    for (let i = 0; i < ids.length; i++) {
      s.t += deltas[i] ?? 0;
      samples.push({ t: s.t, node: `${e.id}:${ids[i]}` });
    }
  }
  samples.sort((a, b) => a.t - b.t);
  const first = ts => {
    let lo = 0;
    let hi = samples.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (samples[mid].t < ts) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  };

  const top = (map, total, n = 6) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, count]) => [name, total * count]);
  return tasks
    .map(task => {
      const end = task.ts + task.dur;
      const inside = samples.slice(first(task.ts), first(end));
      const per = inside.length > 0 ? task.dur / 1000 / inside.length : 0;
      const own = new Map();
      const leaf = new Map();
      for (const s of inside) {
        const node = nodes.get(s.node);
        const leafName = node ? frameName(node.frame) : '(unknown)';
        leaf.set(leafName, (leaf.get(leafName) ?? 0) + 1);
        let n = node;
        while (n && !ours(n.frame)) {
          n = n.parent ? nodes.get(n.parent) : null;
        }
        const name = n ? frameName(n.frame) : '(not ours)';
        own.set(name, (own.get(name) ?? 0) + 1);
      }
      const kinds = new Map();
      for (const e of onMain) {
        if (
          e !== task &&
          e.ts >= task.ts &&
          e.ts < end &&
          /GC|Layout|UpdateLayoutTree|Paint|ParseHTML|Compile|ParseAuthorStyleSheet|RecalculateStyles/.test(
            e.name
          )
        ) {
          kinds.set(e.name, (kinds.get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
        }
      }
      return {
        phase: phaseAt(task.ts),
        ms: task.dur / 1000,
        ours: top(own, per),
        leaf: top(leaf, per),
        events: [...kinds.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4)
      };
    })
    .sort((a, b) => b.ms - a.ms);
}

/** The attribution as lines of text. */
export function attributionLines(tasks) {
  const ms = x => `${x.toFixed(0)} ms`;
  const list = xs => xs.map(([n, t]) => `${n} ${ms(t)}`).join('; ');
  const lines = [];
  for (const t of tasks) {
    lines.push(`  ${ms(t.ms)} task in ${t.phase}`);
    lines.push(`      ours: ${list(t.ours)}`);
    lines.push(`      leaf: ${list(t.leaf)}`);
    if (t.events.length > 0) {
      lines.push(`      trace: ${list(t.events)}`);
    }
  }
  return lines;
}
