// Opening traces in the page: every way in, good files and bad ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdtemp, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve, launch, checkedPage, dropFile, takeFromDisk, dropTaken, screenshot, fixtures, dist, gotv, headerFields, settled } from './harness.mjs';

let server;
let browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const withPage = (url, body, options) => checkedPage(browser, server, url, body, options);

const message = (page) => page.locator('#message');
const header = (page) => page.locator('#trace-header');

test('the landing page offers the three ways to open a trace', async () => {
  await withPage(server.url, async (page) => {
    await assert.doesNotReject(page.locator('text=Drop a trace.out').waitFor());
    assert.equal(await page.locator('#open-demo').isVisible(), true);
    assert.equal(await page.locator('#landing label[for=file-input]').isVisible(), true);
    await screenshot(page, 'landing');
  });
});

test('a file that is not a trace gets a clear message that says where', async () => {
  await withPage(server.url, async (page) => {
    await page.locator('#open-demo:enabled').waitFor();
    await dropFile(page, 'index.html', Buffer.from('<!doctype html><html><body>hello</body></html>'));
    await page.locator('#message.error').waitFor();
    const text = await message(page).textContent();
    assert.match(text, /^index\.html: not a Go execution trace/);
    assert.match(text, /<!doctype html>/);
    assert.match(text, /byte offset 0/);
    assert.equal(await page.locator('#landing').isVisible(), true, 'the landing stays to try again');
    await screenshot(page, 'not-a-trace');
  });
});

test('a file that cannot be read says so, with the byte offset, in the page\'s language', async () => {
  // A file changed on disk after it was picked can no longer be read through its File.
  const file = join(await mkdtemp(join(tmpdir(), 'gotv-')), 'changed.trace');
  const cases = [
    ['', /^changed\.trace: cannot read the file at byte 0: \w.*[^)]$/],
    ['?lang=ja', /^changed\.trace: バイト 0 でファイルを読めません: \w.*[^)]$/],
  ];
  for (const [query, expected] of cases) {
    await copyFile(join(fixtures, 'workshop-go1.27.trace'), file);
    await withPage(server.url + query, async (page) => {
      await page.locator('#open-demo:enabled').waitFor();
      await takeFromDisk(page, file);
      // The File learns the file's size and time when first asked: before the change.
      const size = await page.evaluate(() => document.getElementById('disk-file').files[0].size);
      assert.equal(size, (await readFile(file)).length);
      await appendFile(file, Buffer.alloc(4096));
      // Seconds later, whatever the file system's clock resolution.
      await utimes(file, new Date(), new Date(Date.now() + 10_000));
      await dropTaken(page);
      await page.locator('#message.error').waitFor();
      assert.match(await message(page).textContent(), expected);
      assert.equal(await page.locator('#landing').isVisible(), true, 'the landing stays to try again');
    });
  }
});

test('a trace cut inside its header is reported as truncated, with the offset', async () => {
  await withPage(server.url, async (page) => {
    await page.locator('#open-demo:enabled').waitFor();
    await dropFile(page, 'cut.trace', Buffer.from('go 1.22 tr'));
    await page.locator('#message.error').waitFor();
    assert.match(await message(page).textContent(), /cut\.trace: trace is truncated.*byte offset 10/);
  });
});

test('an empty file is not a trace', async () => {
  await withPage(server.url, async (page) => {
    await page.locator('#open-demo:enabled').waitFor();
    await dropFile(page, 'empty.out', Buffer.alloc(0));
    await page.locator('#message.error').waitFor();
    assert.match(await message(page).textContent(), /empty\.out: not a Go execution trace/);
  });
});

// The header format each Go release writes (trace-format.md §1.1).
const headerOf = { 21: '1.21', 22: '1.22', 23: '1.23', 24: '1.23', 25: '1.25', 26: '1.26', 27: '1.26' };

test('every Go release\'s workshop trace opens through the file picker, with the CLI\'s numbers', async () => {
  const traces = (await readdir(fixtures)).filter((f) => /^workshop-go1\.\d+\.trace$/.test(f)).sort();
  assert.equal(traces.length, 7, `workshop fixtures for Go 1.21–1.27, found ${traces}`);
  await withPage(server.url, async (page) => {
    for (const name of traces) {
      const minor = Number(name.match(/go1\.(\d+)/)[1]);
      await page.locator('#file-input:enabled').setInputFiles(join(fixtures, name));
      await page.locator(`#trace-header >> text=${name}`).waitFor();
      const shown = await headerFields(page);
      const stats = gotv('stats', join(fixtures, name));
      const count = (text) => Number(text.replaceAll(',', ''));
      assert.match(shown.format, new RegExp(`^go ${headerOf[minor].replace('.', '\\.')} trace`), name);
      assert.equal(count(shown.events), stats.events.total, `${name}: events`);
      assert.equal(count(shown.goroutines), stats.goroutines.seen, `${name}: goroutines`);
      assert.equal(count(shown['GC cycles']), stats.gc.cycles, `${name}: GC cycles`);
      assert.ok(stats.goroutines.seen > 1000, `${name}: the workshop starts a goroutine per file`);
      assert.equal(shown.duration, `${(stats.events.duration_ns / 1e6).toFixed(3)} ms`, `${name}: duration`);
      assert.equal(await message(page).isVisible(), false, `${name}: no message after a clean decode`);
    }
    await screenshot(page, 'workshop-header');
  });
});

test('the workshop\'s three problems are pointed out unasked, as the CLI diagnoses them', async () => {
  const file = join(fixtures, 'workshop-go1.27.trace');
  const { findings } = gotv('diagnose', file);
  await withPage(server.url, async (page) => {
    await page.locator('#file-input:enabled').setInputFiles(file);
    await page.locator('#findings').waitFor();
    const shown = await page.locator('#findings-list li[data-id]').evaluateAll((items) =>
      items.map((i) => ({ id: i.dataset.id, what: i.querySelector('.what').textContent, where: i.querySelector('.where')?.textContent })));
    assert.deepEqual(shown.map((f) => f.id), findings.map((f) => f.id));
    for (const id of ['unbounded-goroutines', 'lock-contention', 'gc-pressure']) {
      assert.ok(shown.some((f) => f.id === id), `finding ${id}`);
    }
    shown.forEach((f, i) => assert.equal(f.what, findings[i].message));
    const lock = shown.find((f) => f.id === 'lock-contention');
    assert.match(lock.where, /^workshop\/main\.go:\d+ \(main\.searchFile\)$/);
    await screenshot(page, 'workshop-findings');
  });
});

test('a healthy program gets no alarms', async () => {
  const file = join(fixtures, 'healthy-go1.27.trace');
  assert.deepEqual(gotv('diagnose', file).findings, []);
  await withPage(server.url, async (page) => {
    await page.locator('#file-input:enabled').setInputFiles(file);
    await page.locator('#findings').waitFor();
    assert.equal(await page.locator('#findings-list li[data-id]').count(), 0);
    assert.match(await page.locator('#findings-list').textContent(), /No problems found/);
  });
});

test('an old-format trace says, while it decodes, that the whole file is needed', async () => {
  await withPage(server.url, async (page) => {
    await page.evaluate(() => {
      window.messagesSeen = [];
      const message = document.getElementById('message');
      new MutationObserver(() => window.messagesSeen.push(message.textContent)).observe(message, { childList: true, characterData: true, subtree: true });
    });
    await page.locator('#file-input:enabled').setInputFiles(join(fixtures, 'workshop-go1.21.trace'));
    await page.locator('#trace-header >> text=workshop-go1.21.trace').waitFor();
    const seen = await page.evaluate(() => window.messagesSeen);
    assert.ok(seen.some((m) => /old-format traces \(Go 1\.21 and before\) keep their stacks and clock frequency at the end, so the whole file is read/.test(m)), `messages: ${seen}`);
  });
});

test('a truncated trace says where it broke, and what decoded is still shown', async () => {
  const whole = await readFile(join(fixtures, 'stress-go1.27.trace'));
  await withPage(server.url, async (page) => {
    await page.locator('#open-demo:enabled').waitFor();
    await dropFile(page, 'cut.trace', whole.subarray(0, Math.floor(whole.length * 0.6)));
    await page.locator('#message.error').waitFor();
    assert.match(await message(page).textContent(), /^cut\.trace: trace is truncated: it ends inside a batch \(at byte offset \d+, generation \d+\)\. Everything before that point is shown\.$/);
    assert.match((await headerFields(page)).format, /go 1\.26 trace/);
    await screenshot(page, 'truncated');
  });
  // In Japanese, for the workshop: Go's own detail ("a batch") stays as Go words it.
  await withPage(`${server.url}?lang=ja`, async (page) => {
    await page.locator('#open-demo:enabled').waitFor();
    await dropFile(page, 'cut.trace', whole.subarray(0, Math.floor(whole.length * 0.6)));
    await page.locator('#message.error').waitFor();
    assert.match(await message(page).textContent(), /^cut\.trace: トレースが途中で切れています: a batch の途中で終わっています \(バイトオフセット \d+、世代 \d+\)。それより前の部分を表示しています。$/);
  });
});

test('a trace too big for the memory opens up to a generation\'s end, says where it stopped, and the rest is not read', async () => {
  // `?memory=1` gives the trace 1 MB, where a real one gets 3,500 MB (a tab's WebAssembly memory
  // is 4 GiB): this two-generation trace needs about 1.5 MB at the page's costs.
  const name = 'healthy-go1.27.trace';
  await withPage(`${server.url}?memory=1`, async (page) => {
    await page.locator('#open-demo:enabled').waitFor();
    await dropFile(page, name, await readFile(join(fixtures, name)));
    await page.locator('#message.error').waitFor();
    const text = await message(page).textContent();
    const stop = text.match(/^healthy-go1\.27\.trace: trace is too big for 1 MB of memory \(all of it would need about (\d+) MB\): the rest of the file is not read \(at byte offset (\d+), generation (\d+)\); the gotv command reads it whole\. Everything before that point is shown\.$/);
    assert.ok(stop, text);
    assert.ok(Number(stop[1]) >= 1, text);
    // What is shown is the trace a file ending there holds, as the CLI reads it.
    const dir = await mkdtemp(join(tmpdir(), 'gotv-'));
    const cut = join(dir, 'cut.trace');
    await writeFile(cut, (await readFile(join(fixtures, name))).subarray(0, Number(stop[2])));
    const stats = gotv('stats', cut);
    const whole = gotv('stats', join(fixtures, name));
    assert.ok(stats.events.total > 0 && stats.events.total < whole.events.total, 'a part of the trace');
    const shown = await headerFields(page);
    assert.equal(Number(shown.events.replaceAll(',', '')), stats.events.total);
    assert.equal(Number(shown.goroutines.replaceAll(',', '')), stats.goroutines.seen);
    await page.locator('#timeline[data-frames]').waitFor();
    await screenshot(page, 'too-big');
  });
  // The old format is read whole: one too big is refused before it fills the memory.
  await withPage(`${server.url}?memory=1`, async (page) => {
    await page.locator('#open-demo:enabled').waitFor();
    await dropFile(page, 'old.trace', await readFile(join(fixtures, 'workshop-go1.21.trace')));
    await page.locator('#message.error').waitFor();
    assert.match(await message(page).textContent(), /^old\.trace: trace is too big for 1 MB of memory: traces of Go 1\.21 and older are read whole, and this one would need about \d+ MB \(at byte offset 0\); the gotv command reads it whole$/);
    assert.equal(await page.locator('#landing').isVisible(), true, 'nothing was decoded');
  });
});

test('the demo trace is one click away', async () => {
  await withPage(server.url, async (page) => {
    await page.locator('#open-demo').click();
    await page.locator('#trace-header').waitFor();
    assert.match(await header(page).textContent(), /demo\/workshop\.trace.*go 1\.26 trace \(written by Go 1\.26–1\.27\)/);
    // What a person sees once it is drawn.
    await settled(page);
    await screenshot(page, 'demo');
  });
});

test('a docs site can link to one of its own traces with ?trace=', async () => {
  await withPage(`${server.url}?trace=demo/workshop.trace`, async (page) => {
    await page.locator('#trace-header').waitFor();
    assert.match(await header(page).textContent(), /go 1\.26 trace/);
  });
});

test('?trace= refuses another site, and nothing is fetched from it', async () => {
  await withPage(`${server.url}?trace=${encodeURIComponent('http://192.0.2.1/trace.out')}`, async (page) => {
    await page.locator('#message.error').waitFor();
    assert.match(await message(page).textContent(), /only opens traces from its own site/);
  });
});

test('a missing ?trace= file says what the server answered', async () => {
  await withPage(`${server.url}?trace=no/such.trace`, async (page) => {
    await page.locator('#message.error').waitFor();
    assert.match(await message(page).textContent(), /no\/such\.trace: the server answered 404/);
  }, { expectedErrors: [/status of 404/] });
  // The workshop's docs are in Japanese, and so are their links' pages.
  await withPage(`${server.url}?trace=no/such.trace&lang=ja`, async (page) => {
    await page.locator('#message.error').waitFor();
    assert.match(await message(page).textContent(), /no\/such\.trace: サーバーの応答は 404/);
  }, { expectedErrors: [/status of 404/] });
});

test('the single-file page works from disk, demo included', async () => {
  const file = pathToFileURL(join(dist, 'gotv.html')).href;
  const html = await readFile(join(dist, 'gotv.html'), 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href="(?!data:)/, 'everything is inlined');
  await withPage(file, async (page) => {
    await page.locator('#open-demo').click();
    await page.locator('#trace-header').waitFor();
    assert.match(await header(page).textContent(), /go 1\.26 trace/);
    // The timeline is drawn by a worker started from the page's own inlined source.
    await page.locator('#timeline[data-frames]').waitFor();
    await screenshot(page, 'single-file-demo');
  });
});
