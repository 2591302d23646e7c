// Shared by the browser tests: serve dist/ on loopback, start Debian's Chromium, open the page,
// and hand traces to it the ways a person does (drop, picker, links).
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const dist = resolve(process.env.GOTV_DIST ?? join(root, 'dist'));
export const fixtures = join(root, 'tests/fixtures');
export const artifacts = join(here, 'artifacts');

const mime = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.trace': 'application/octet-stream',
};

/** Serves dist/ under a sub-path, as docs sites host it, to prove the app needs no root. */
export async function serve(subPath = '/tools/gotv/') {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (!url.pathname.startsWith(subPath)) { res.writeHead(404).end(); return; }
    let rel = normalize(decodeURIComponent(url.pathname.slice(subPath.length)));
    if (rel.startsWith('..')) { res.writeHead(403).end(); return; }
    if (rel === '.' || rel === '') rel = 'index.html';
    // A slow network, for tests that act while a download is under way.
    if (rel.startsWith('slow/')) {
      await new Promise((ok) => setTimeout(ok, 3000));
      rel = rel.slice('slow/'.length);
    }
    try {
      const body = await readFile(join(dist, rel));
      res.writeHead(200, { 'content-type': mime[extname(rel)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, url: origin + subPath, close: () => new Promise((ok) => server.close(ok)) };
}

export async function launch() {
  const executablePath = existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A page that records every request it makes and every error it logs, so tests can assert
 * that nothing leaves the machine and nothing failed silently.
 */
export async function openPage(browser, url, { deviceScaleFactor = 1 } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  return { page, requests, errors, close: () => context.close() };
}

/**
 * Runs `body` on a fresh page and then checks what must hold on every page: no request
 * outside the page's own site, no error logged, no crash shown.
 */
export async function checkedPage(browser, server, url, body, { expectedErrors = [], deviceScaleFactor } = {}) {
  const p = await openPage(browser, url, { deviceScaleFactor });
  try {
    await body(p.page);
    const foreign = p.requests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('data:') && !u.startsWith('blob:') && !u.startsWith('file:'));
    assert.deepEqual(foreign, [], 'the page made requests outside its own site');
    assert.deepEqual(p.errors.filter((e) => !expectedErrors.some((re) => re.test(e))), [], 'the page logged errors');
    assert.equal(await p.page.locator('#panic').isVisible(), false, 'the page shows a crash');
  } finally {
    await p.close();
  }
}

/** Long enough for a 200 MB trace to open on a slow, shared machine. */
export const LOAD_TIMEOUT_MS = 10 * 60_000;

/** Takes `file` from disk into the page, as a drag from the desktop would (a File backed by
 * the file on disk, which the worker reads from there), ready for `dropTaken`. */
export async function takeFromDisk(page, file) {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'disk-file';
    input.hidden = true;
    document.body.append(input);
  });
  await page.setInputFiles('#disk-file', file);
}

/** Drops the file `takeFromDisk` took. */
export async function dropTaken(page) {
  await page.evaluate(() => {
    const input = document.getElementById('disk-file');
    const dt = new DataTransfer();
    dt.items.add(input.files[0]);
    // Keys typed into an input are not navigation: the picker must not keep the focus.
    input.remove();
    window.benchDropped = performance.now();
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
}

/** Drops `file` from disk and returns ms from the drop to the first timeline frame drawn. */
export async function dropFromDisk(page, file) {
  await takeFromDisk(page, file);
  await page.evaluate(() => {
    const host = document.getElementById('timeline');
    new MutationObserver((_, observer) => {
      if (Number(host.dataset.frames ?? 0) >= 1) {
        window.benchFirstPaint = performance.now();
        observer.disconnect();
      }
    }).observe(host, { attributes: true, attributeFilter: ['data-frames'] });
  });
  await dropTaken(page);
  await page.waitForFunction(() => window.benchFirstPaint !== undefined, null, { timeout: LOAD_TIMEOUT_MS, polling: 50 });
  return page.evaluate(() => window.benchFirstPaint - window.benchDropped);
}

/** Drops bytes on the page as a file dragged from the desktop would arrive. */
export async function dropFile(page, name, bytes) {
  await dropTransfer(page, await fileTransfer(page, name, bytes));
}

/** A file ready to drop: made in the page, whose thread it keeps busy a while (a test timing
 * that thread makes it first). */
export async function fileTransfer(page, name, bytes) {
  return page.evaluateHandle(({ name, b64 }) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([data], name));
    return dt;
  }, { name, b64: Buffer.from(bytes).toString('base64') });
}

export async function dropTransfer(page, dataTransfer) {
  await page.dispatchEvent('body', 'drop', { dataTransfer });
}

export async function screenshot(page, name, { fullPage = true } = {}) {
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage });
}

/** What the `gotv` CLI says about a trace (`gotv <command> --json FILE`): the page must agree. */
export function gotv(command, file) {
  return JSON.parse(gotvText([command, '--json', file]));
}

/** The `gotv` CLI's output for any arguments. */
export function gotvText(args) {
  const bin = process.env.GOTV_BIN ?? join(root, 'target/debug/gotv');
  return execFileSync(bin, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** How long a test waits for the page: a broken page fails a test in a minute, not ten. */
const WAIT_MS = 60_000;

/**
 * Resolves once the worker has drawn every frame asked for so far (checked every frame).
 * `timeout`: a benchmark on a big trace passes `LOAD_TIMEOUT_MS`.
 */
export async function settled(page, { timeout = WAIT_MS } = {}) {
  await page.waitForFunction(() => {
    const e = document.getElementById('timeline');
    return e.dataset.frames && e.dataset.frames === e.dataset.framesAsked;
  }, null, { timeout, polling: 'raf' });
}

/**
 * Resolves once an element matching `css` is shown, with a size (as a locator's wait has it).
 * Checked every frame: a locator's wait checks ever less often (every 500 ms at last), which
 * a benchmark would count as the view's time.
 */
export async function shown(page, css, { timeout = WAIT_MS } = {}) {
  await page.waitForFunction((c) => {
    const e = document.querySelector(c);
    const box = e?.getBoundingClientRect();
    return !!box && box.width > 0 && box.height > 0 && e.checkVisibility();
  }, css, { timeout, polling: 'raf' });
}

/**
 * Zooms in on the middle of Proc 0's lane (the sixth row) and clicks along it until a span is
 * hit and a goroutine's story opens.
 */
export async function openStory(page, wait = {}) {
  const box = await page.locator('#timeline').boundingBox();
  // Below the axis (24 px), three counter rows (44 px) and GC and STW (18 px).
  const y = box.y + 24 + 3 * 44 + 2 * 18 + 10;
  await page.mouse.move(box.x + box.width / 2, y);
  for (let i = 0; i < 6; i++) await page.keyboard.press('w');
  await settled(page, wait);
  for (let dx = 0; dx < 400 && !(await page.locator('#details').isVisible()); dx += 23) {
    await page.mouse.click(box.x + box.width / 2 + dx, y);
    await settled(page, wait);
  }
  await shown(page, '#details .events .event', wait);
}

/**
 * The views that build data of their own, each opened as a person would: `open` resolves once
 * it is shown (waiting up to `timeout` for each step). For the benchmark (each one's time and
 * memory) and the profiler (`--view KEY`).
 */
export async function views(page, wait = {}) {
  const profileKinds = await page.locator('#profile-kind option').evaluateAll((os) => os.map((o) => o.value));
  return [
    { key: 'threads', label: 'lanes per thread', open: async () => {
      await page.locator('#view-by').selectOption('thread');
      await settled(page, wait);
      await page.locator('#view-by').selectOption('proc');
      await settled(page, wait);
    } },
    { key: 'story', label: 'a goroutine\'s story', open: async () => {
      await page.keyboard.press('0');
      await settled(page, wait);
      await openStory(page, wait);
    } },
    { key: 'group', label: 'the busiest goroutine group', open: async () => {
      await page.locator('#tab-goroutines').click();
      await page.locator('#view-goroutines table.groups tr.group-row').first().click();
      await shown(page, '#view-goroutines section.members tr.goroutine-row', wait);
    } },
    ...profileKinds.map((kind) => ({ key: kind, label: `the ${kind} profile`, open: async () => {
      await page.locator('#tab-profiles').click();
      await page.locator('#profile-kind').selectOption(kind);
      await page.waitForFunction((k) => document.getElementById('profile-summary').dataset.kind === k, kind, {
        timeout: wait.timeout ?? WAIT_MS,
        polling: 'raf',
      });
    } })),
    { key: 'gc', label: 'GC and MMU', open: async () => {
      await page.locator('#tab-gc').click();
      await shown(page, '#mmu-worst li', wait);
    } },
    { key: 'tasks', label: 'tasks and regions', open: async () => {
      await page.locator('#tab-tasks').click();
      // The table is in the page from the start, empty: its rows come with the answer.
      await shown(page, '#tasks-table tr', wait);
    } },
  ];
}

/** The header's fields, by name, as the page shows them. */
export async function headerFields(page) {
  return page.locator('#trace-header [data-field]').evaluateAll((items) =>
    Object.fromEntries(items.map((i) => [i.dataset.field, i.querySelector('.value').textContent])));
}

