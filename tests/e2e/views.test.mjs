// The analysis views: findings that point at the evidence, goroutine analysis, profiles with a
// flame graph and pprof download, GC and memory, tasks and regions, in English and Japanese,
// with the place in the URL. Every number is the CLI's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { serve, launch, checkedPage, screenshot, fixtures, gotv, gotvText, settled } from './harness.mjs';

let server;
let browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const withPage = (url, body, options) => checkedPage(browser, server, url, body, options);
const workshop = join(fixtures, 'workshop-go1.27.trace');

async function open(page, file) {
  await page.locator('#file-input:enabled').setInputFiles(file);
  await page.locator('#timeline[data-frames]').waitFor();
}

/** Blocked, as `gotv goroutines` counts it. */
const blocked = (s) => Object.values(s.block_ns).reduce((a, b) => a + b, 0) + s.syscall_block_ns;

test('findings name searchFile\'s lock and the goroutine explosion, with a way to the evidence', async () => {
  const { findings } = gotv('diagnose', workshop);
  await withPage(server.url, async (page) => {
    await open(page, workshop);
    // Findings come after the first frame: the list is shown once they have.
    await page.locator('#findings').waitFor();
    const shown = await page.locator('#findings-list li[data-id]').evaluateAll((items) =>
      items.map((i) => ({ id: i.dataset.id, what: i.querySelector('.what').textContent, where: i.querySelector('.where')?.textContent })));
    assert.deepEqual(shown.map((f) => f.id), findings.map((f) => f.id));
    const lock = shown.find((f) => f.id === 'lock-contention');
    assert.match(lock.what, /main\.searchFile/);
    assert.match(lock.where, /^workshop\/main\.go:87 \(main\.searchFile\)$/);
    const explosion = shown.find((f) => f.id === 'unbounded-goroutines');
    assert.match(explosion.what, /^1,720 goroutines started by one go statement at workshop\/main\.go:108/);
    await page.locator('#findings-list li[data-id="unbounded-goroutines"] [data-evidence]').click();
    await page.locator('#view-goroutines tr.group-row').first().waitFor();
    const top = await page.locator('#view-goroutines tr.group-row').first().getAttribute('data-group');
    assert.equal(top, 'main.(*server).handleSearch.func1', 'the exploding group comes first');
    // Opened: the goroutines that go statement started, with their lifetimes.
    await page.locator('#view-goroutines section.members[data-group="main.(*server).handleSearch.func1"] tr.goroutine-row').first().waitFor();
    await screenshot(page, 'views-findings', { fullPage: false });
  });
});

test('goroutine groups and a group\'s goroutines equal gotv goroutines --json; a goroutine opens its lane', async () => {
  const cli = gotv('goroutines', workshop);
  await withPage(server.url, async (page) => {
    await open(page, workshop);
    await page.locator('#tab-goroutines').click();
    await page.locator('#view-goroutines tr.group-row').first().waitFor();
    const rows = () => page.locator('#view-goroutines table.groups tr.group-row').evaluateAll((trs) =>
      trs.map((tr) => [tr.dataset.group, ...[...tr.querySelectorAll('td.num')].map((td) => Number(td.dataset.value))]));
    const expected = cli.groups.map((g) => [g.name, g.count, g.exec_ns, g.sched_wait_ns, blocked(g), g.syscall_ns, g.total_ns]);
    const byExec = (a, b) => b[2] - a[2];
    assert.deepEqual(await rows(), [...expected].sort(byExec), 'sorted by execution time at first');
    // Every column sorts; a second click reverses.
    for (const [i, th] of (await page.locator('#view-goroutines table.groups th').all()).entries()) {
      await th.click();
      const got = await rows();
      const col = got.map((r) => r[i]);
      if (typeof col[0] === 'number') assert.deepEqual(col, [...col].sort((a, b) => b - a), `column ${i} sorts largest first`);
      await th.click();
      const back = (await rows()).map((r) => r[i]);
      if (typeof col[0] === 'number') assert.deepEqual(back, [...col].sort((a, b) => a - b), `column ${i} reverses`);
      assert.deepEqual([...back].sort(), [...col].sort(), `column ${i}: the same rows`);
    }
    const name = 'main.(*server).handleSearch.func1';
    await page.locator(`#view-goroutines tr.group-row[data-group="${name}"]`).click();
    await page.locator('#view-goroutines section.members tr.goroutine-row').first().waitFor();
    const members = gotv('goroutines', workshop).goroutines.filter((g) => g.name === name)
      .sort((a, b) => b.total_ns - a.total_ns || a.id - b.id);
    const shown = await page.locator('#view-goroutines section.members tr.goroutine-row').evaluateAll((trs) =>
      trs.map((tr) => [Number(tr.dataset.id), ...[...tr.querySelectorAll('td.num')].map((td) => Number(td.dataset.value))]));
    assert.equal(shown.length, Math.min(500, members.length));
    // A column per block reason of the goroutines listed (the longest-lived 500).
    const reasons = [...new Set(members.slice(0, shown.length).flatMap((g) => Object.keys(g.block_ns)))].sort();
    assert.match(await page.locator('#view-goroutines section.members .more').textContent(), new RegExp(`${(members.length - shown.length).toLocaleString('en')}`));
    members.slice(0, shown.length).forEach((g, i) => assert.deepEqual(shown[i], [
      g.id, g.total_ns, g.exec_ns, g.sched_wait_ns, ...reasons.map((r) => g.block_ns[r] ?? 0), g.syscall_ns,
      g.syscall_block_ns, g.range_ns['GC mark assist'] ?? 0, g.range_ns['GC incremental sweep'] ?? 0, g.unknown_ns,
    ], `G${g.id}`));
    await screenshot(page, 'views-goroutines', { fullPage: false });
    const first = members[0];
    await page.locator(`#view-goroutines button[data-goroutine="${first.id}"]`).click();
    await page.locator('#timeline-section').waitFor();
    await page.waitForFunction((id) => document.getElementById('timeline').dataset.selected === String(id), first.id);
    await page.locator('#details .goroutine-name').waitFor();
    await page.waitForFunction(() => Number(document.getElementById('timeline').dataset.scrollY) > 0);
    const frame = await page.locator('#timeline').evaluate((e) => e.dataset);
    assert.ok(Number(frame.startNs) < first.start_ns - cli.trace_start_ns && first.start_ns - cli.trace_start_ns < Number(frame.endNs),
      'the goroutine\'s start is in view');
    await screenshot(page, 'views-goroutine-lane', { fullPage: false });
  });
});

const pprofJson = (kind, file) => JSON.parse(gotvText(['pprof', '--kind', kind, '--json', file]));

/** The top-functions table as the page computes it, from the CLI's samples. */
function topFunctions(samples) {
  const index = new Map();
  const rows = [];
  samples.forEach((s, i) => {
    const frames = s.stack.map((f) => {
      const key = `${f.func}\0${f.file}\0${f.line}`;
      if (!index.has(key)) { index.set(key, rows.length); rows.push({ func: f.func, self: 0, total: 0, count: 0, seen: -1, order: rows.length }); }
      return rows[index.get(key)];
    });
    if (frames.length) frames[0].self += s.delay_ns;
    for (const r of frames) if (r.seen !== i) { r.seen = i; r.total += s.delay_ns; r.count += s.count; }
  });
  return rows.sort((a, b) => b.self - a.self || b.total - a.total || a.order - b.order).slice(0, 50)
    .map((r) => [r.func, r.self, r.total, r.count]);
}

/** Top-level fields of a protobuf message, by number: how many times each occurs. */
function protoFields(buf) {
  const counts = {};
  let i = 0;
  const varint = () => { let v = 0n; let shift = 0n; for (;;) { const b = buf[i++]; v |= BigInt(b & 0x7f) << shift; if (!(b & 0x80)) return v; shift += 7n; } };
  while (i < buf.length) {
    const key = Number(varint());
    const [field, type] = [key >> 3, key & 7];
    counts[field] = (counts[field] ?? 0) + 1;
    if (type === 0) varint();
    else if (type === 2) { const n = Number(varint()); i += n; }
    else if (type === 1) i += 8;
    else if (type === 5) i += 4;
    else throw new Error(`wire type ${type}`);
  }
  assert.equal(i, buf.length, 'the message ends where its last field does');
  return counts;
}

test('the lock finding opens the sync profile on searchFile; flame graph, top table and pprof equal the CLI', async () => {
  const cli = pprofJson('sync', workshop);
  await withPage(server.url, async (page) => {
    await open(page, workshop);
    await page.locator('#findings-list li[data-id="lock-contention"] [data-evidence]').click();
    await page.locator('#profile-summary[data-total]').waitFor();
    assert.equal(await page.locator('#profile-kind').inputValue(), 'sync');
    assert.equal(await page.locator('#profile-search').inputValue(), 'main.searchFile');
    const summary = await page.locator('#profile-summary').evaluate((e) => e.dataset);
    assert.equal(Number(summary.total), cli.samples.reduce((a, s) => a + s.delay_ns, 0));
    assert.equal(Number(summary.count), cli.samples.reduce((a, s) => a + s.count, 0));
    assert.equal(Number(summary.stacks), cli.samples.length);
    const flame = page.locator('#flame');
    assert.equal(Number(await flame.getAttribute('data-total')), Number(summary.total));
    const through = cli.samples.filter((s) => s.stack.some((f) => f.func === 'main.searchFile')).reduce((a, s) => a + s.delay_ns, 0);
    assert.equal(Number(await flame.getAttribute('data-matched')), through, 'the search highlights every stack through searchFile');
    const top = await page.locator('#profile-top tr[data-func]').evaluateAll((trs) =>
      trs.map((tr) => [tr.dataset.func, ...[...tr.querySelectorAll('td.num')].map((td) => Number(td.dataset.value))]));
    assert.deepEqual(top, topFunctions(cli.samples));
    await screenshot(page, 'views-profile-search', { fullPage: false });

    // A click on a frame below the root zooms into it; hovering names it.
    const box = await flame.boundingBox();
    await page.mouse.move(box.x + 40, box.y + 18 * 1.5);
    await page.locator('#flame-tooltip .at').waitFor();
    await flame.click({ position: { x: 40, y: 18 * 1.5 } });
    const zoom = await flame.getAttribute('data-zoom');
    assert.ok(zoom, 'a frame is zoomed into');
    assert.ok(Number(await flame.getAttribute('data-zoom-total')) < Number(summary.total), 'the zoomed frame holds part of the profile');
    await screenshot(page, 'views-flame-zoomed', { fullPage: false });
    await page.locator('#flame-reset').click();
    assert.equal(await flame.getAttribute('data-zoom'), '');

    // The download is the CLI's pprof file, byte for byte once unzipped.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#profile-download').click()]);
    assert.equal(download.suggestedFilename(), 'sync.pb.gz');
    const dir = await mkdtemp(join(tmpdir(), 'gotv-'));
    await download.saveAs(join(dir, 'page.pb.gz'));
    const body = gunzipSync(await readFile(join(dir, 'page.pb.gz')));
    gotvText(['pprof', '--kind', 'sync', '-o', join(dir, 'cli.pb.gz'), workshop]);
    assert.ok(body.equals(gunzipSync(await readFile(join(dir, 'cli.pb.gz')))), 'the same profile as gotv pprof -o');
    const fields = protoFields(body);
    assert.equal(fields[2], cli.samples.length, 'one pprof sample per stack');
    assert.ok(fields[6] > 0, 'a string table');
  });
});

test('every blocking profile equals gotv pprof; a group filter narrows it', async () => {
  await withPage(server.url, async (page) => {
    await open(page, workshop);
    await page.locator('#tab-profiles').click();
    for (const kind of ['net', 'syscall', 'sched', 'sync']) {
      await page.locator('#profile-kind').selectOption(kind);
      const cli = pprofJson(kind, workshop);
      const total = cli.samples.reduce((a, s) => a + s.delay_ns, 0);
      await page.waitForFunction((t) => document.getElementById('profile-summary').dataset.total === String(t), total);
      assert.equal(Number(await page.locator('#profile-summary').getAttribute('data-stacks')), cli.samples.length, kind);
    }
    const all = Number(await page.locator('#profile-summary').getAttribute('data-total'));
    await page.locator('#profile-group').selectOption('main.(*server).handleSearch.func1');
    await page.waitForFunction((t) => document.getElementById('profile-summary').dataset.total !== String(t), all);
    const part = Number(await page.locator('#profile-summary').getAttribute('data-total'));
    assert.ok(part > 0 && part < all, `one group's share: ${part} of ${all}`);
  });
});

test('CPU samples, when the trace has them, as a flame graph', async () => {
  const file = join(fixtures, 'cpuprofile-go1.27.trace');
  await withPage(server.url, async (page) => {
    await open(page, file);
    await page.locator('#tab-profiles').click();
    await page.locator('#profile-kind').selectOption('cpu');
    // The summary shows the previous profile's figures until the CPU samples arrive.
    await page.waitForFunction(() => { const d = document.getElementById('profile-summary').dataset; return d.kind === 'cpu' && Number(d.count) > 0; });
    assert.equal(await page.locator('#profile-download').isDisabled(), true, 'CPU samples are not a blocking profile');
    await screenshot(page, 'views-cpu', { fullPage: false });
  });
});

test('GC and memory: cycles and pauses equal gotv stats, the MMU equals gotv mmu, a worst window opens in the timeline', async () => {
  const stats = gotv('stats', workshop);
  const { vitals } = gotv('diagnose', workshop);
  const mmu = gotv('mmu', workshop);
  await withPage(server.url, async (page) => {
    await open(page, workshop);
    await page.locator('#findings-list li[data-id="gc-pressure"] [data-evidence]').click();
    await page.locator('#gc-summary[data-cycles]').waitFor();
    const g = await page.locator('#gc-summary').evaluate((e) => e.dataset);
    assert.equal(Number(g.cycles), stats.gc.cycles);
    assert.equal(Number(g.pauses), stats.stw.count);
    assert.equal(Number(g.stwNs), stats.stw.total_ns);
    assert.equal(Number(g.stwNs), vitals.stw_ns);
    assert.equal(Number(g.markNs), vitals.gc_mark_ns);
    // Tables list every cycle and pause up to 200, then the 200 longest.
    assert.equal(await page.locator('#gc-cycles tr td.num[data-value]').count(), Math.min(stats.gc.cycles, 200));
    assert.equal(await page.locator('#gc-pauses tr td.num[data-value]').count(), Math.min(stats.stw.count, 200));
    const worst = await page.locator('#mmu-worst li').evaluateAll((lis) => lis.map((l) => [Number(l.dataset.start), Number(l.dataset.util)]));
    const start = stats.events.first_ns;
    assert.deepEqual(worst, mmu.worst.map((w) => [w.start_ns - start, w.util]));
    assert.equal(Number(await page.locator('#mmu-chart').getAttribute('data-points')), mmu.curve.filter((p) => p[0] > 0).length);
    await screenshot(page, 'views-gc', { fullPage: false });
    await page.locator('#mmu-chart').scrollIntoViewIfNeeded();
    await screenshot(page, 'views-gc-mmu', { fullPage: false });

    // Other flags: the answer is gotv mmu's with the same flags.
    await page.locator('#mmu-flags input[value="sweep"]').check();
    const withSweep = JSON.parse(gotvText(['mmu', '--flags', 'stw,background,assist,sweep', '--json', workshop]));
    await page.waitForFunction((w) => document.querySelector('#mmu-worst li')?.dataset.util === String(w), withSweep.worst[0].util);

    await page.locator('#mmu-worst li button').first().click();
    await page.locator('#timeline-section').waitFor();
    await settled(page);
    const t = await page.locator('#timeline').evaluate((e) => [Number(e.dataset.startNs), Number(e.dataset.endNs)]);
    const w = withSweep.worst[0].start_ns - start;
    assert.ok(t[0] <= w && w + mmu.window_ns <= t[1] && t[1] - t[0] < mmu.window_ns * 2, `the window is in view: ${t}`);
  });
});

test('tasks and regions per type equal Go\'s pages; the slowest instance opens in the timeline', async () => {
  const file = join(fixtures, 'annotations-go1.27.trace');
  const go = JSON.parse(await readFile(join(fixtures, 'answers/annotations-go1.27/usertasks.json'), 'utf8'));
  // Go lists a pseudo-task of empty type holding what is outside any task.
  const types = go.types.filter((t) => t.type !== '');
  await withPage(server.url, async (page) => {
    await open(page, file);
    await page.locator('#tab-tasks').click();
    await page.locator('#tasks-table tr[data-type]').first().waitFor();
    const rows = await page.locator('#tasks-table tr[data-type]').evaluateAll((trs) =>
      trs.map((tr) => [tr.dataset.type, ...[...tr.querySelectorAll('td.num')].map((td) => Number(td.dataset.value))]));
    assert.deepEqual(rows.map((r) => [r[0], r[1]]), types.map((t) => [t.type, t.count]).sort((a, b) => a[0].localeCompare(b[0])));
    for (const t of types) {
      const complete = t.tasks.filter((x) => x.complete).map((x) => x.duration_ns);
      const row = rows.find((r) => r[0] === t.type);
      assert.equal(row[2], complete.length, `${t.type}: complete`);
      assert.equal(row[7], complete.length ? Math.max(...complete) : 0, `${t.type}: max (0 when none completed)`);
    }
    const first = types.slice().sort((a, b) => a.type.localeCompare(b.type))[0];
    const slowest = first.tasks.filter((x) => x.complete).sort((a, b) => b.duration_ns - a.duration_ns)[0];
    const shown = Number(await page.locator('#annotation-detail .slowest li').first().getAttribute('data-duration'));
    assert.equal(shown, slowest.duration_ns, 'the slowest instance');
    assert.ok(Number(await page.locator('#annotation-histogram').getAttribute('data-buckets')) > 0);
    await screenshot(page, 'views-tasks', { fullPage: false });
    await page.locator('#annotation-histogram').scrollIntoViewIfNeeded();
    await screenshot(page, 'views-tasks-histogram', { fullPage: false });

    // Regions are per name and place where they begin, as Go's regions page has them.
    const goRegions = JSON.parse(await readFile(join(fixtures, 'answers/annotations-go1.27/userregions.json'), 'utf8')).groups;
    const regionRows = await page.locator('#regions-table tr[data-type]').evaluateAll((trs) => trs.map((tr) => ({
      type: tr.dataset.type, index: tr.dataset.index, count: Number(tr.querySelector('td.num').dataset.value),
      complete: Number(tr.querySelectorAll('td.num')[1].dataset.value), place: tr.querySelector('td.at').textContent,
    })));
    assert.equal(regionRows.length, goRegions.length);
    for (const r of regionRows) {
      const go = goRegions.find((g) => g.type === r.type && `${g.func} (${g.file}:${g.line})` === r.place);
      assert.ok(go, `Go has the region ${r.type} at ${r.place}`);
      assert.equal(r.count, go.count, `${r.type} at ${r.place}`);
      await page.locator(`#regions-table tr[data-index="${r.index}"]`).click();
      await page.waitForFunction((p) => document.getElementById('annotation-title').textContent.includes(p), r.type || '(');
      const slowest = await page.locator('#annotation-detail .slowest li').evaluateAll((lis) => lis.map((l) => Number(l.dataset.duration)));
      if (r.complete > 0) assert.equal(slowest[0], Math.max(...go.regions.map((x) => x[2])), `slowest ${r.type} at ${r.place}`);
    }
    await page.locator('#tasks-table tr[data-index="0"]').click();

    await page.locator('#annotation-detail .slowest li button').first().click();
    await page.locator('#timeline-section').waitFor();
    const g = await page.locator('#annotation-detail .slowest li button').first().getAttribute('data-goroutine');
    await page.waitForFunction((id) => document.getElementById('timeline').dataset.selected === id, g);
  });
});

/** Visible text left in English: Latin words of three letters or more, once code (anything
 * with a dot or slash), numbers with units and Go's own names are set aside, and outside
 * what is marked translate="no" (function names, file paths, Go's reason and event names). */
async function englishLeft(page) {
  return page.evaluate(() => {
    // Key caps keep their names on Japanese keyboards.
    const allowed = new Set(['STW', 'MMU', 'CPU', 'pprof', 'gotv', 'Go', 'GC', 'Shift', 'Ctrl']);
    const left = [];
    const check = (text, where) => {
      const prose = text.replace(/\S*[./]\S*/g, ' ');
      for (const w of prose.match(/[A-Za-z]{3,}/g) ?? []) if (!allowed.has(w)) left.push(`${w} in ${where}: "${text.trim().slice(0, 80)}"`);
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('[translate="no"], script, style, noscript, select') || !el.checkVisibility()) continue;
      check(n.textContent, el.tagName.toLowerCase() + (el.id ? '#' + el.id : el.className ? '.' + el.className.split(' ')[0] : ''));
    }
    for (const s of document.querySelectorAll('select')) {
      const o = s.selectedOptions[0];
      if (s.checkVisibility() && o && o.getAttribute('translate') !== 'no') check(o.textContent, `select#${s.id}`);
    }
    for (const e of document.querySelectorAll('[placeholder], button[title]')) {
      if (e.checkVisibility()) check(e.getAttribute('placeholder') ?? e.getAttribute('title'), `${e.tagName.toLowerCase()}#${e.id}`);
    }
    return left;
  });
}

test('the Japanese switch changes every visible label, in every view', async () => {
  await withPage(server.url, async (page) => {
    await open(page, workshop);
    await page.locator('#lang').selectOption('ja');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
    const seen = [];
    const look = async (name) => {
      seen.push(...(await englishLeft(page)).map((l) => `${name}: ${l}`));
      await screenshot(page, `views-ja-${name}`, { fullPage: false });
    };
    assert.match(await page.locator('#findings-list li[data-id="lock-contention"] .what').textContent(), /ミューテックス.*main\.searchFile/);
    await page.locator('#timeline').click({ position: { x: 400, y: 320 } });
    await look('timeline');
    await page.locator('#tab-goroutines').click();
    await page.locator('#view-goroutines tr.group-row[data-group="main.(*server).handleSearch.func1"]').click();
    await page.locator('#view-goroutines section.members').waitFor();
    await look('goroutines');
    await page.locator('#tab-profiles').click();
    await page.locator('#profile-summary[data-total]').waitFor();
    await page.locator('#flame').hover({ position: { x: 40, y: 27 } });
    await page.locator('#flame-tooltip .at').waitFor();
    await look('profiles');
    await page.locator('#tab-gc').click();
    await page.locator('#gc-summary[data-cycles]').waitFor();
    await look('gc');
    await page.locator('#tab-tasks').click();
    await page.locator('#tasks-table tr').first().waitFor();
    await look('tasks');
    await page.locator('#tab-timeline').click();
    await page.locator('#keys-button').click();
    await look('keys');
    assert.deepEqual(seen, []);

    await page.locator('#lang').selectOption('en');
    assert.equal(await page.locator('#tab-goroutines').textContent(), 'Goroutines');
    assert.match(await page.locator('#findings-list li[data-id="lock-contention"] .what').textContent(), /^goroutines waited/);
  });
});

test('view, time range, selection and open group live in the URL: a reload comes back to them', async () => {
  const link = `${server.url}?trace=demo/workshop.trace`;
  await withPage(link, async (page) => {
    await page.locator('#timeline[data-frames]').waitFor();
    await page.locator('#tab-goroutines').click();
    const name = 'main.(*server).handleSearch.func1';
    await page.locator(`#view-goroutines tr.group-row[data-group="${name}"]`).click();
    await page.locator('#view-goroutines tr.goroutine-row').first().waitFor();
    const id = await page.locator('#view-goroutines tr.goroutine-row').first().getAttribute('data-id');
    await page.locator(`#view-goroutines button[data-goroutine="${id}"]`).click();
    await page.locator('#timeline').hover();
    await page.keyboard.press('w');
    await page.keyboard.press('w');
    await settled(page);
    const before = await page.locator('#timeline').evaluate((e) => ({ ...e.dataset }));
    await page.waitForFunction((s) => new URL(location.href).searchParams.get('from') === s, before.startNs);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('trace'), 'demo/workshop.trace', '?trace= is kept');
    assert.equal(url.searchParams.get('g'), id);
    assert.equal(url.searchParams.get('group'), name);
    assert.equal(url.searchParams.get('lang'), null, 'the browser\'s own language is not written');
    assert.ok(url.href.length < 400, 'only the place goes into the URL, never the trace');

    await page.reload();
    await page.waitForFunction((id) => document.getElementById('timeline').dataset.selected === id, id);
    await settled(page);
    const after = await page.locator('#timeline').evaluate((e) => ({ ...e.dataset }));
    assert.equal(after.startNs, before.startNs);
    assert.equal(after.endNs, before.endNs);
    assert.equal(after.contentHeight, before.contentHeight, 'the group\'s lanes are open again');
    await page.locator('#details .goroutine-name').waitFor();
    await page.locator('#tab-goroutines').click();
    await page.locator('#view-goroutines section.members').waitFor();
  });
  // A shared link to another view, in Japanese.
  await withPage(`${link}&view=profiles&profile=sched&lang=ja`, async (page) => {
    await page.locator('#profile-summary[data-total]').waitFor();
    // Opened straight into another view, the trace is still finished: its findings are shown.
    await page.locator('#findings-list li[data-id="lock-contention"]').waitFor();
    assert.equal(await page.locator('#profile-kind').inputValue(), 'sched');
    assert.equal(await page.locator('#tab-profiles').getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator('#tab-profiles').textContent(), 'プロファイル');
    await page.waitForFunction(() => new URL(location.href).searchParams.has('from'));
    assert.equal(new URL(page.url()).searchParams.get('lang'), 'ja', 'a language chosen over the browser\'s stays in the URL');
    // The timeline, shown for the first time, is drawn at its own width (once laid out; the
    // first frame, drawn while it was hidden, has a stand-in size).
    await page.locator('#tab-timeline').click();
    await page.waitForFunction(() => {
      const e = document.getElementById('timeline');
      return e.dataset.frames === e.dataset.framesAsked && e.dataset.size.startsWith(`${e.clientWidth}x`);
    });
  });
  // A mistyped link still opens: the first profile instead of none.
  await withPage(`${link}&view=profiles&profile=bogus&from=x`, async (page) => {
    await page.locator('#profile-summary[data-total]').waitFor();
    assert.equal(await page.locator('#profile-kind').inputValue(), 'sync');
  });
});
