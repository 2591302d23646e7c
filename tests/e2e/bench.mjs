// The page's speed on real traces (issue 6), a benchmark rather than a test: time from a drop
// to the first timeline paint, frame times while scripted W/S/A/D, drag and wheel navigation
// runs at every zoom level, and the worker's wasm memory once the trace is loaded and once
// every view has been opened (what the page's memory budget for a trace must cover).
//
//   node bench.mjs [--runs N] FILE…   (cargo xtask bench-web builds dist/ first and adds go tool trace)
//
// Each file is opened N times in a fresh page: the median first paint is reported, with the
// frames of all runs pooled. Prints one JSON object per file on stdout; progress to stderr.
import { resolve, basename } from 'node:path';
import { statSync } from 'node:fs';
import { serve, launch, openPage, dropFromDisk, settled, views, LOAD_TIMEOUT_MS } from './harness.mjs';

/** W presses from "fit" to the deepest zoom (1.25^60: about 10^6 times closer). */
const ZOOM_STEPS = 60;

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 1;
const files = args.map((f) => resolve(f));
if (files.length === 0 || !(RUNS >= 1)) {
  console.error('usage: node bench.mjs [--runs N] FILE…');
  process.exit(2);
}

const log = (...a) => console.error('bench:', ...a);
/** Waits of a benchmark, which opens traces of hundreds of MB. */
const LONG = { timeout: LOAD_TIMEOUT_MS };

/** Every frame of a few hundred drawn one at a time: zoomed out, at each zoom level, deep in. */
async function navigate(page) {
  // Scrolled to the top of the window, the whole timeline is on screen for the mouse.
  await page.evaluate(() => document.getElementById('timeline').scrollIntoView({ block: 'start' }));
  const box = await page.locator('#timeline').boundingBox();
  const plot = (f) => box.x + 180 + (box.width - 180) * f;
  const y = box.y + box.height / 2;
  const phase = async (name, body) => {
    const before = await page.evaluate(() => globalThis.gotvFrames.length);
    await body();
    const times = (await page.evaluate((n) => globalThis.gotvFrames.slice(n), before)).sort((a, b) => a - b);
    const ms = (p) => percentile(times, p).toFixed(1);
    log(`  ${name}: ${times.length} frames, p50 ${ms(50)} p95 ${ms(95)} max ${ms(100)} ms`);
  };
  const key = async (k, times = 1) => {
    for (let i = 0; i < times; i++) {
      await page.keyboard.press(k);
      await settled(page, LONG);
    }
  };
  const drag = async (dx, dy, steps) => {
    await page.mouse.move(plot(0.5), y);
    await page.mouse.down();
    for (let i = 1; i <= steps; i++) {
      await page.mouse.move(plot(0.5) + (dx * i) / steps, y + (dy * i) / steps);
      await settled(page, LONG);
    }
    await page.mouse.up();
  };
  const wheel = async (dy, times) => {
    await page.mouse.move(plot(0.5), y);
    for (let i = 0; i < times; i++) {
      await page.mouse.wheel(0, dy);
      await settled(page, LONG);
    }
  };

  // Fully zoomed out: the whole trace in every frame.
  await page.mouse.move(plot(0.5), y);
  await phase('zoomed out', async () => {
    await key('0');
    await key('d', 10);
    await key('a', 10);
    await drag(-200, 0, 10);
    await drag(200, 0, 10);
    await wheel(120, 10);
    await wheel(-120, 10);
  });
  // Zooming in step by step at different places, panning at every tenth level.
  await phase('zooming in', async () => {
    for (let level = 1; level <= ZOOM_STEPS; level++) {
      await page.mouse.move(plot([0.5, 0.3, 0.7][level % 3]), y);
      await key('w');
      if (level % 10 === 0) {
        await key('d', 5);
        await key('a', 5);
        await drag(-150, 0, 5);
      }
    }
  });
  // Deep zoom: a few microseconds across the plot.
  await phase('deep', async () => {
    await key('d', 10);
    await drag(300, 60, 10);
    await wheel(-120, 5);
  });
  await phase('zooming out', async () => {
    for (let level = 1; level <= ZOOM_STEPS; level++) await key('s');
  });
}

/**
 * Opens every view that builds data of its own (the harness's `views`). Logs how long each
 * took to answer, and returns the worker's wasm memory after them all.
 */
async function everyView(page, worker) {
  const memory = () => worker.evaluate(() => globalThis.gotvMemory?.buffer.byteLength ?? 0);
  // The worker's answers during a view's opening: what of its time the worker took.
  const answers = () => worker.evaluate(() => {
    const stages = globalThis.gotvStages ?? {};
    const found = Object.entries(stages).filter(([k]) => k.startsWith('answer '));
    for (const [k] of found) delete stages[k];
    return found.map(([k, [ms]]) => `${k.slice('answer '.length)} ${ms.toFixed(0)} ms`);
  });
  for (const view of await views(page, LONG)) {
    await answers();
    const started = performance.now();
    await view.open();
    const ms = performance.now() - started;
    const answered = await answers();
    const inWorker = answered.length ? ` (the worker's answer: ${answered.join(', ')})` : '';
    log(`  ${view.label}: ${ms.toFixed(0)} ms${inWorker}, wasm ${((await memory()) / 1e6).toFixed(0)} MB`);
  }
  return memory();
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function bench(browser, server, file) {
  const p = await openPage(browser, server.url);
  try {
    const { page } = p;
    await page.locator('#open-demo:enabled').waitFor();
    log(`${basename(file)}: dropping`);
    const firstPaint = await dropFromDisk(page, file);
    log(`${basename(file)}: first paint after ${firstPaint.toFixed(0)} ms`);
    await settled(page, LONG);
    const worker = page.workers().at(-1);
    const wasmBytes = await worker.evaluate(() => globalThis.gotvMemory?.buffer.byteLength ?? 0);
    const before = await page.evaluate(() => (globalThis.gotvFrames ?? []).length);
    const started = Date.now();
    await navigate(page);
    const frames = await page.evaluate((n) => globalThis.gotvFrames.slice(n), before);
    log(`${basename(file)}: ${frames.length} frames in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const wasmBytesEnd = await worker.evaluate(() => globalThis.gotvMemory?.buffer.byteLength ?? 0);
    const stages = await worker.evaluate(() => globalThis.gotvStages ?? {});
    log(`${basename(file)}: in the worker: ${Object.entries(stages).map(([k, [ms, bytes]]) => `${k} ${ms.toFixed(0)} ms (${(bytes / 2 ** 20).toFixed(0)} MB after)`).join(', ')}`);
    const allViewsBytes = await everyView(page, worker);
    if (p.errors.length) throw new Error(`the page logged errors: ${p.errors.join('\n')}`);
    if (await page.locator('#panic').isVisible()) throw new Error(`the page crashed: ${await page.locator('#panic').textContent()}`);
    return { firstPaint, frames, wasmBytes: Math.max(wasmBytes, wasmBytesEnd), allViewsBytes };
  } finally {
    await p.close();
  }
}

/** Runs on a shared machine are noisy: the median first paint, frames of all runs pooled. */
async function benchRuns(browser, server, file) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await bench(browser, server, file));
  const paints = runs.map((r) => r.firstPaint).sort((a, b) => a - b);
  const frames = runs.flatMap((r) => r.frames).sort((a, b) => a - b);
  return {
    file,
    bytes: statSync(file).size,
    runs: RUNS,
    first_paint_ms: percentile(paints, 50),
    first_paint_all_ms: runs.map((r) => r.firstPaint),
    frames: frames.length,
    p50_ms: percentile(frames, 50),
    p95_ms: percentile(frames, 95),
    max_ms: frames.at(-1),
    wasm_bytes: Math.max(...runs.map((r) => r.wasmBytes)),
    all_views_bytes: Math.max(...runs.map((r) => r.allViewsBytes)),
  };
}

const server = await serve();
const browser = await launch();
try {
  for (const file of files) console.log(JSON.stringify(await benchRuns(browser, server, file)));
} finally {
  await browser.close();
  await server.close();
}
