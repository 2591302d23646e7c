// The analysis views: findings that point at the evidence, goroutine analysis, profiles with a
// flame graph and pprof download, GC and memory, tasks and regions, in English and Japanese,
// with the place in the URL. Every number is the CLI's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { serve, launch, checkedPage, screenshot, fixtures, gotv } from './harness.mjs';

let server;
let browser;
before(async () => { server = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.close(); });

const withPage = (url, body, options) => checkedPage(browser, server, url, body, options);
const workshop = join(fixtures, 'workshop-go1.27.trace');

async function open(page, file) {
  await page.locator('#file-input').setInputFiles(file);
  await page.locator('#timeline[data-frames]').waitFor();
}

/** Blocked, as `gotv goroutines` counts it. */
const blocked = (s) => Object.values(s.block_ns).reduce((a, b) => a + b, 0) + s.syscall_block_ns;

test('findings name searchFile\'s lock and the goroutine explosion, with a way to the evidence', async () => {
  const { findings } = gotv('diagnose', workshop);
  await withPage(server.url, async (page) => {
    await open(page, workshop);
    const shown = await page.locator('#findings-list li[data-id]').evaluateAll((items) =>
      items.map((i) => ({ id: i.dataset.id, what: i.querySelector('.what').textContent, where: i.querySelector('.where')?.textContent })));
    assert.deepEqual(shown.map((f) => f.id), findings.map((f) => f.id));
    const lock = shown.find((f) => f.id === 'lock-contention');
    assert.match(lock.what, /main\.searchFile/);
    assert.match(lock.where, /^workshop\/main\.go:87 \(main\.searchFile\)$/);
    const explosion = shown.find((f) => f.id === 'unbounded-goroutines');
    assert.match(explosion.what, /^1720 goroutines started by one go statement at workshop\/main\.go:108/);
    await page.locator('#findings-list li[data-id="unbounded-goroutines"] [data-evidence]').click();
    await page.locator('#view-goroutines tr.group-row').first().waitFor();
    const top = await page.locator('#view-goroutines tr.group-row').first().getAttribute('data-group');
    assert.equal(top, 'main.(*server).handleSearch.func1', 'the exploding group comes first');
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
    const reasons = [...new Set(members.flatMap((g) => Object.keys(g.block_ns)))].sort();
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
