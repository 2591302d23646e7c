// The timeline: rows for every Go release, navigation as go tool trace teaches it, a click
// that opens a goroutine's story, and a page that stays responsive while it decodes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { serve, launch, checkedPage, dropFile, fileTransfer, dropTransfer, screenshot, fixtures, gotv, gotvText, openStory, settled as drawn } from './harness.mjs';

let server;
let browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const withPage = (url, body, options) => checkedPage(browser, server, url, body, options);

/** The visible range (ns from the trace's start) and how many frames were drawn. */
async function timeline(page) {
  return page.locator('#timeline').evaluate((e) => ({
    start: Number(e.dataset.startNs), end: Number(e.dataset.endNs), frames: Number(e.dataset.frames ?? 0),
    rows: (e.dataset.rows ?? '').split('|'), selected: e.dataset.selected,
  }));
}

/** Waits until the worker has drawn what was last asked for; the timeline's state then. */
async function settled(page) {
  await drawn(page);
  return timeline(page);
}

async function openDemo(page) {
  await page.locator('#open-demo').click();
  await page.locator('#timeline[data-frames]').waitFor();
  return settled(page);
}

test('every Go release\'s workshop trace draws its rows: counters, GC, STW and one lane per P', async () => {
  const traces = (await readdir(fixtures)).filter((f) => /^workshop-go1\.\d+\.trace$/.test(f)).sort();
  assert.equal(traces.length, 7);
  for (const name of traces) {
    await withPage(server.url, async (page) => {
      await page.locator('#open-demo:enabled').waitFor();
      await dropFile(page, name, await readFile(join(fixtures, name)));
      await page.locator(`#trace-header >> text=${name}`).waitFor();
      const t = await settled(page);
      const { gomaxprocs } = gotv('diagnose', join(fixtures, name)).vitals;
      const procRows = t.rows.filter((r) => /^Proc \d+$/.test(r));
      assert.deepEqual(t.rows.slice(0, 5), ['Goroutines', 'Heap', 'Threads', 'GC', 'STW'], name);
      assert.deepEqual(procRows, Array.from({ length: gomaxprocs }, (_, i) => `Proc ${i}`), `${name}: a lane per P`);
      assert.ok(t.start < 0 && t.end > 0, `${name}: the whole trace is in view at first`);
      assert.match(await page.locator('#timeline').getAttribute('aria-label'), /^Timeline: Goroutines, Heap, Threads, GC, STW, Proc 0/);
      if (name === 'workshop-go1.27.trace') await shot(page, 'timeline-workshop');
    });
  }
});

test('W/S zoom at the mouse, A/D pan, 0 fits: the visible range moves as in go tool trace', async () => {
  await withPage(server.url, async (page) => {
    const first = await openDemo(page);
    const box = await page.locator('#timeline').boundingBox();
    // The mouse in the middle of the plot (the lane labels take the first 180 px).
    const x = 180 + (box.width - 180) / 2;
    await page.mouse.move(box.x + x, box.y + 300);
    const span = (t) => t.end - t.start;
    const mid = (t) => (t.start + t.end) / 2;

    await page.keyboard.press('w');
    const zoomed = await settled(page);
    assert.ok(Math.abs(span(zoomed) - span(first) / 1.25) < 2, `W zooms in by 1.25: ${span(first)} → ${span(zoomed)}`);
    assert.ok(Math.abs(mid(zoomed) - mid(first)) < span(first) * 0.001, 'around the mouse');

    await page.keyboard.press('s');
    const back = await settled(page);
    assert.ok(Math.abs(span(back) - span(first)) < 2, 'S zooms out by as much');

    for (let i = 0; i < 8; i++) await page.keyboard.press('w');
    const deep = await settled(page);
    await page.keyboard.press('d');
    const right = await settled(page);
    assert.ok(Math.abs(right.start - deep.start - span(deep) * 0.1) < 2, 'D pans later by a tenth of the view');
    await page.keyboard.press('a');
    await page.keyboard.press('a');
    const left = await settled(page);
    assert.ok(Math.abs(deep.start - left.start - span(deep) * 0.1) < 2, 'A pans earlier');
    await shot(page, 'timeline-zoomed');

    // Dragging moves the content with the pointer.
    await page.mouse.move(box.x + x, box.y + 250);
    await page.mouse.down();
    await page.mouse.move(box.x + x - 100, box.y + 250, { steps: 5 });
    await page.mouse.up();
    const dragged = await settled(page);
    const perPx = span(left) / (box.width - 180);
    assert.ok(Math.abs(dragged.start - left.start - 100 * perPx) < perPx, 'a drag of 100 px pans by 100 px of time');

    await page.keyboard.press('0');
    const fit = await settled(page);
    assert.deepEqual([fit.start, fit.end], [first.start, first.end], '0 fits the whole trace again');

    await page.keyboard.press('?');
    await page.locator('#keys').waitFor();
    assert.match(await page.locator('#keys').textContent(), /W \/ S.*zoom/s);
  });
});

test('the wheel scrolls the lanes; with Ctrl (a touchpad pinch) it zooms, with Shift it pans', async () => {
  await withPage(server.url, async (page) => {
    const first = await openDemo(page);
    const box = await page.locator('#timeline').boundingBox();
    await page.mouse.move(box.x + 180 + (box.width - 180) / 2, box.y + 300);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -200);
    await page.keyboard.up('Control');
    const zoomed = await settled(page);
    assert.ok(zoomed.end - zoomed.start < (first.end - first.start) / 2, 'Ctrl+wheel up zooms in');
    await page.keyboard.down('Shift');
    await page.mouse.wheel(0, 100);
    await page.keyboard.up('Shift');
    const panned = await settled(page);
    assert.ok(panned.start > zoomed.start, 'Shift+wheel pans later');
    assert.ok(Math.abs((panned.end - panned.start) - (zoomed.end - zoomed.start)) < 2, 'without zooming');
  });
});

test('the canvas is drawn at the screen\'s pixel density (sharp on HiDPI)', async () => {
  await withPage(server.url, async (page) => {
    await openDemo(page);
    // The worker draws into an OffscreenCanvas; the page's canvas learns the new bitmap size in
    // a task of its own, which may come after the worker's "drawn" message.
    await page.waitForFunction(() => {
      const c = document.querySelector('.timeline-canvas');
      return c.width === c.clientWidth * 2;
    }, null, { timeout: 5000 }).catch(() => {});
    const size = await page.locator('.timeline-canvas').evaluate((c) => [c.width, c.height, c.clientWidth, c.clientHeight]);
    assert.deepEqual([size[0], size[1]], [size[2] * 2, size[3] * 2], `bitmap ${size[0]}×${size[1]} for ${size[2]}×${size[3]} CSS px`);
  }, { deviceScaleFactor: 2 });
});

test('clicking a goroutine\'s span shows its story, with stacks, links and flow arrows', async () => {
  await withPage(server.url, async (page) => {
    await openDemo(page);
    await openStory(page);
    const details = page.locator('#details');
    const id = await details.getAttribute('data-goroutine');
    assert.equal((await timeline(page)).selected, id, 'the clicked goroutine is selected');
    assert.match(await details.locator('h2').textContent(), new RegExp(`^G${id}$`));
    assert.match(await details.locator('.fields').textContent(), /StateRunning|StateSyscall/);
    const whats = await details.locator('.event').evaluateAll((items) => items.map((i) => i.dataset.what));
    assert.ok(whats.includes('GoStart'), `events: ${whats}`);
    // The same state changes, at the same times, as the CLI lists for this goroutine.
    const cli = gotvText(['events', '--goroutine', id, '--json', join(fixtures, 'workshop-go1.27.trace')])
      .split('\n').filter((l) => l).map((l) => JSON.parse(l))
      .filter((e) => e.kind === 'StateTransition' && e.text.includes(` GoID=${id} `));
    const times = await details.locator('.event').evaluateAll((items) => items.map((i) => Number(i.dataset.timeNs)));
    assert.deepEqual(times, cli.map((e) => e.time_ns));
    const frames = await details.locator('.frame .at').allTextContents();
    assert.ok(frames.some((f) => /\.go:\d+$/.test(f)), `stacks have file:line: ${frames.slice(0, 3)}`);
    await shot(page, 'timeline-details');

    // Following "created by" selects the creator.
    const creator = details.locator('.created-by .goroutine-link');
    if (await creator.count()) {
      const creatorId = await creator.getAttribute('data-goroutine');
      await creator.click();
      await page.waitForFunction((g) => document.getElementById('timeline').dataset.selected === g, creatorId);
      await page.waitForFunction((g) => document.querySelector('#details h2')?.textContent === `G${g}` || document.querySelector('#details .goroutine-name'), creatorId);
    }
  });
});

test('a goroutine group expands into one lane per goroutine', async () => {
  await withPage(server.url, async (page) => {
    const before = await openDemo(page);
    const height = async () => Number(await page.locator('#timeline').getAttribute('data-content-height'));
    const collapsed = await height();
    const box = await page.locator('#timeline').boundingBox();
    // The first group's header is right below the P lanes.
    const procs = before.rows.filter((r) => r.startsWith('Proc ')).length;
    const y = 24 + 3 * 44 + 2 * 18 + procs * 20 + 11;
    await page.mouse.click(box.x + 60, box.y + y);
    await page.waitForFunction((h) => Number(document.getElementById('timeline').dataset.contentHeight) > h, collapsed);
    const groups = gotv('goroutines', join(fixtures, 'workshop-go1.27.trace')).groups;
    const biggest = groups.find((g) => g.name === 'main.(*server).handleSearch.func1');
    assert.equal(await height() - collapsed, biggest.count * 20, 'a 20 px lane per goroutine of the group');
    await shot(page, 'timeline-expanded');
  });
});

test('the lanes can be per thread (M) instead of per P', async () => {
  await withPage(server.url, async (page) => {
    await openDemo(page);
    await page.locator('#view-by').selectOption('thread');
    await page.waitForFunction(() => document.getElementById('timeline').dataset.by === 'thread');
    await settled(page);
    await shot(page, 'timeline-threads');
  });
});

/** Makes this page's CPU (workers included) `rate` times slower, as on a slow laptop. */
async function throttle(page, rate) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
}

test('decoding runs in a worker: progress is shown and the page keeps answering', async () => {
  const bytes = await readFile(join(fixtures, 'stress-go1.27.trace'));
  await withPage(server.url, async (page) => {
    await page.locator('#open-demo:enabled').waitFor();
    const file = await fileTransfer(page, 'stress.trace', bytes);
    await throttle(page, 30);
    // The longest the page's own thread is busy while the progress bar is up (the file read
    // and decoded), measured by a timer that should fire every 10 ms. What the page does as the
    // results come in (messages, header, tabs: 20–30 ms each, 0.6–1.3 s throttled on these
    // machines) is its own work, not decoding's.
    await page.evaluate(() => {
      window.longestGap = 0;
      let last = performance.now();
      const progress = document.getElementById('progress');
      window.ticker = setInterval(() => {
        const now = performance.now();
        if (progress.checkVisibility()) window.longestGap = Math.max(window.longestGap, now - last);
        last = now;
      }, 10);
    });
    // Every status shown on the way: with nothing slow left before the first frame, each one
    // may be up too briefly for polling to see it.
    await page.evaluate(() => {
      window.statuses = [];
      const m = document.getElementById('message');
      new MutationObserver(() => window.statuses.push(m.textContent)).observe(m, { childList: true, characterData: true, subtree: true });
    });
    await dropTransfer(page, file);
    await page.locator('#progress progress').waitFor();
    await page.locator('#timeline[data-frames]').waitFor({ timeout: 120_000 });
    const statuses = await page.evaluate(() => window.statuses);
    assert.ok(statuses.some((s) => /Decoding stress\.trace|Analysing stress\.trace/.test(s)), `statuses: ${statuses}`);
    const gap = await page.evaluate(() => { clearInterval(window.ticker); return window.longestGap; });
    await throttle(page, 1);
    assert.match(await page.locator('#trace-header').textContent(), /stress\.trace/);
    // Throttled 30×, decoding and analysing this trace takes seconds; the page never stalls for long.
    assert.ok(gap < 1000, `the page's thread was blocked for ${gap} ms`);
  });
});

test('cancel stops a download, and the page is ready for the next file', async () => {
  await withPage(`${server.url}?trace=slow/demo/workshop.trace`, async (page) => {
    await page.locator('#cancel').click();
    await page.locator('#message >> text=Stopped opening slow/demo/workshop.trace').waitFor();
    assert.equal(await page.locator('#progress').isVisible(), false);
    // The aborted download must not turn up later as an opened trace.
    await page.waitForTimeout(3500);
    assert.equal(await page.locator('#trace-header').isVisible(), false);
    await openDemo(page);
    assert.match(await page.locator('#trace-header').textContent(), /demo\/workshop\.trace/);
  });
});

async function shot(page, name) {
  await page.locator('#timeline-section').scrollIntoViewIfNeeded();
  await screenshot(page, name, { fullPage: false });
}
