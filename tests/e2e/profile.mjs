// Where the page's worker spends its time opening a trace: a CPU profile of the worker from the
// drop until the work after the first frame is done, with Rust's function names (the bundle is
// built with them kept). With `--view KEY` instead, once that work is done: where the worker and
// the page's own thread spend their time opening that view (a key of the harness's `views`:
// threads, story, group, net, sync, syscall, sched, cpu, gc, tasks).
//
//   node profile.mjs [--top N] [--view KEY] FILE   (cargo xtask profile-web builds that bundle first)
//
// Prints the worker's stages, the functions with the most self time (on each thread profiled)
// and, for the opening, which ran most in each quarter second; writes the whole profiles to
// artifacts/*.cpuprofile, which Chrome's DevTools (Performance, "Load profile") opens. Code that
// V8 has not optimized yet shows as (idle): profile traces that take seconds to open (on the
// workshop trace, decoding does).
import { resolve } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { serve, launch, openPage, dropFromDisk, views, artifacts, LOAD_TIMEOUT_MS } from './harness.mjs';

const WINDOW_MS = 250;

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const TOP = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 30;
const viewAt = args.indexOf('--view');
const VIEW = viewAt >= 0 ? args.splice(viewAt, 2)[1] : undefined;
if (args.length !== 1 || !(TOP >= 1) || (viewAt >= 0 && !VIEW)) {
  console.error('usage: node profile.mjs [--top N] [--view KEY] FILE');
  process.exit(2);
}
const file = resolve(args[0]);

/**
 * The DevTools protocol of the page's next worker, profiling from its first instruction: the
 * worker waits for the debugger until the profiler runs.
 */
async function profileNextWorker(page) {
  const cdp = await page.context().newCDPSession(page);
  let sessionId;
  let next = 0;
  const waiting = new Map();
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  const send = (method, params = {}) => new Promise((ok, fail) => {
    const id = ++next;
    waiting.set(id, (m) => (m.error ? fail(new Error(`${method}: ${m.error.message}`)) : ok(m.result)));
    cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(fail);
  });
  const started = new Promise((ok, fail) => {
    cdp.on('Target.attachedToTarget', async (e) => {
      if (e.targetInfo.type !== 'worker' || sessionId) return;
      sessionId = e.sessionId;
      try {
        await send('Profiler.enable');
        await send('Profiler.setSamplingInterval', { interval: 200 });
        await send('Profiler.start');
        await send('Runtime.runIfWaitingForDebugger');
        ok();
      } catch (err) {
        fail(err);
      }
    });
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
  return { started, start: () => send('Profiler.start'), stop: async () => (await send('Profiler.stop')).profile };
}

/** The page's own thread's profiler. */
async function profilePage(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return { stop: async () => (await cdp.send('Profiler.stop')).profile };
}

/** Self time (µs) by function, over the whole profile and per window. */
function selfTimes(profile) {
  // Rust's symbol hashes dropped, except where they tell apart copies of one generic function
  // (each pass over the events has its own `chunk`).
  const full = (n) => n.callFrame.functionName || `(${n.callFrame.url.split('/').pop() || 'native'})`;
  const bare = (f) => f.replace(/::h[0-9a-f]{16}$/, '');
  const copies = new Map();
  for (const f of new Set(profile.nodes.map(full))) copies.set(bare(f), (copies.get(bare(f)) ?? 0) + 1);
  const shown = (f) => (copies.get(bare(f)) > 1 ? f.replace(/::h([0-9a-f]{4})[0-9a-f]{12}$/, '#$1') : bare(f));
  const name = new Map(profile.nodes.map((n) => [n.id, shown(full(n))]));
  const total = new Map();
  const windows = [];
  let t = 0;
  profile.samples.forEach((s, i) => {
    // A sample's time is the gap to the next one.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    t += profile.timeDeltas[i];
    const f = name.get(s);
    total.set(f, (total.get(f) ?? 0) + dt);
    const w = Math.floor(t / 1000 / WINDOW_MS);
    windows[w] ??= new Map();
    windows[w].set(f, (windows[w].get(f) ?? 0) + dt);
  });
  return { total, windows };
}

const byTime = (m) => [...m].sort((a, b) => b[1] - a[1]);
const ms = (us) => (us / 1000).toFixed(0);

/** Prints a profile's functions with the most self time, and saves it as artifacts/NAME. */
async function report(label, profile, name, { perWindow = false } = {}) {
  await mkdir(artifacts, { recursive: true });
  await writeFile(resolve(artifacts, name), JSON.stringify(profile));
  const { total, windows } = selfTimes(profile);
  const sum = [...total.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${label}: self time, ${ms(sum)} ms sampled:`);
  for (const [f, us] of byTime(total).slice(0, TOP)) {
    console.log(`${ms(us).padStart(7)} ms ${((100 * us) / sum).toFixed(1).padStart(5)}%  ${f}`);
  }
  if (perWindow) {
    console.log(`\nmost self time in each ${WINDOW_MS} ms:`);
    windows.forEach((m, w) => {
      const short = (f) => f.split('::').slice(-2).join('::');
      console.log(`${String(w * WINDOW_MS).padStart(6)}  ${byTime(m).slice(0, 3).map(([f, us]) => `${short(f)} ${ms(us)}`).join(' | ')}`);
    });
  }
  console.log(`the whole profile: ${resolve(artifacts, name)}`);
}

const server = await serve();
const browser = await launch();
try {
  const { page } = await openPage(browser, server.url);
  await page.locator('#open-demo:enabled').waitFor();
  const profiler = await profileNextWorker(page);
  const firstPaint = await dropFromDisk(page, file);
  await profiler.started;
  const worker = page.workers().at(-1);
  // The answer made ahead is the last of the work that follows the first frame (a trace that
  // decodes only in part may never get there).
  const finished = await worker.evaluate((timeout) => new Promise((ok) => {
    const until = performance.now() + timeout;
    const poll = () => {
      if (globalThis.gotvStages?.['answered ahead']) ok(true);
      else if (performance.now() > until) ok(false);
      else setTimeout(poll, 50);
    };
    poll();
  }), LOAD_TIMEOUT_MS);
  if (!finished) console.log('the worker did not finish the work after the first frame: profiled up to now');
  const opening = await profiler.stop();
  const stages = await worker.evaluate(() => globalThis.gotvStages);
  console.log(`${file}: first paint after ${firstPaint.toFixed(0)} ms (profiling slows it down)`);
  console.log(`worker stages: ${Object.entries(stages).map(([k, [t]]) => `${k} ${t.toFixed(0)} ms`).join(', ')}`);
  if (VIEW === undefined) {
    await report('the worker, opening the trace', opening, 'worker.cpuprofile', { perWindow: true });
  } else {
    const all = await views(page, { timeout: LOAD_TIMEOUT_MS });
    const view = all.find((v) => v.key === VIEW);
    if (!view) throw new Error(`no view ${VIEW}: one of ${all.map((v) => v.key).join(', ')}`);
    await profiler.start();
    const pageProfiler = await profilePage(page);
    const started = performance.now();
    await view.open();
    console.log(`${view.label}: shown after ${(performance.now() - started).toFixed(0)} ms (profiling slows it down)`);
    await report(`the worker, opening ${view.label}`, await profiler.stop(), `worker-${VIEW}.cpuprofile`);
    await report(`the page, opening ${view.label}`, await pageProfiler.stop(), `page-${VIEW}.cpuprofile`);
  }
} finally {
  await browser.close();
  await server.close();
}
