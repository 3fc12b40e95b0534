// The dashboard's pure logic (ui/lib): formatting, state → badge tone, paging, routes, the API
// client's URLs and problem handling, the startup chart's geometry, the clusters' forms.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allocationText,
  cloudFaultRate,
  formatDuration,
  formatMemory,
  formatPercent,
  formatRelative,
  isFinished,
  operationTone,
  problemMessage,
  sizeLabel,
  stateCounts,
  stateTone,
  stepsSummary,
  ips,
} from '../../ui/lib/format.js';
import { currentCursor, firstPage, nextPage, previousPage, sortRows } from '../../ui/lib/pager.js';
import { href, parseRoute } from '../../ui/lib/route.js';
import { ApiError, apiBase, createClient, path, query } from '../../ui/lib/api-client.js';
import { axisTicks, niceMax, rowGeometry, startupRows } from '../../ui/lib/chart-scale.js';
import { isAdmin, loadSession, saveSession } from '../../ui/lib/session.js';
import { cloudSpread, clusterCreateBody, confirmText, isClusterBusy, scaleBody } from '../../ui/lib/cluster-form.js';

describe('dashboard formatting', () => {
  it('formats durations from milliseconds to hours', () => {
    assert.equal(formatDuration(12), '12 ms');
    assert.equal(formatDuration(2897), '2.9 s');
    assert.equal(formatDuration(42_000), '42 s');
    assert.equal(formatDuration(65_000), '1 min 5 s');
    assert.equal(formatDuration(120_000), '2 min');
    assert.equal(formatDuration(3_720_000), '1 h 2 min');
    assert.equal(formatDuration(null), '—');
  });

  it('formats times relative to now, past and future, and falls back to the date', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    assert.equal(formatRelative('2026-01-01T11:59:58Z', now), 'just now');
    assert.equal(formatRelative('2026-01-01T11:59:18Z', now), '42 s ago');
    assert.equal(formatRelative('2026-01-01T11:55:00Z', now), '5 min ago');
    assert.equal(formatRelative('2026-01-01T12:03:00Z', now), 'in 3 min');
    assert.equal(formatRelative('2025-12-01T08:30:00Z', now), '2025-12-01 08:30');
    assert.equal(formatRelative(null, now), 'never');
    assert.equal(formatRelative('not a date', now), '—');
  });

  it('formats ratios, allocations, memory and sizes', () => {
    assert.equal(formatPercent(0.5), '50 %');
    assert.equal(formatPercent(0.0123), '1.2 %');
    assert.equal(formatPercent(0), '0 %');
    assert.equal(formatPercent(null), '—');
    assert.deepEqual(allocationText({ used: 3, total: null }), { text: '3 / ∞', ratio: null });
    assert.deepEqual(allocationText({ used: 3, total: 4 }), { text: '3 / 4', ratio: 0.75 });
    assert.deepEqual(allocationText({ used: 5, total: 4 }), { text: '5 / 4', ratio: 1 });
    assert.deepEqual(allocationText({ used: 0, total: 0 }), { text: '0 / 0', ratio: 1 });
    assert.equal(formatMemory(2048), '2 GiB');
    assert.equal(formatMemory(1536), '1536 MiB');
    assert.equal(sizeLabel({ name: 'm1.small', vcpus: 1, ramMiB: 2048, diskGiB: 20 }), 'm1.small (1 vCPU, 2 GiB, 20 GiB disk)');
    assert.equal(sizeLabel({ name: 'bare' }), 'bare');
    assert.equal(ips({ publicIps: ['203.0.0.1'], privateIps: ['10.0.0.1'] }), '203.0.0.1, 10.0.0.1');
    assert.equal(ips({ publicIps: [], privateIps: [] }), '—');
  });

  it('maps VM, tracker and operation states to badge tones', () => {
    assert.equal(stateTone('running'), 'ok');
    assert.equal(stateTone('pending'), 'busy');
    assert.equal(stateTone('error'), 'bad');
    assert.equal(stateTone('ASSIGNED'), 'info');
    assert.equal(stateTone('FAULTY'), 'bad');
    assert.equal(stateTone('something new'), 'muted');
    assert.equal(operationTone('running'), 'busy', 'a running operation is still working, not a healthy VM');
    assert.equal(operationTone('succeeded'), 'ok');
    assert.equal(operationTone('interrupted'), 'warn');
    assert.equal(isFinished({ state: 'running' }), false);
    assert.equal(isFinished({ state: 'failed' }), true);
  });

  it('rates boot failures per cloud over the boots that ended, and orders VMs by state', () => {
    const startup = { clouds: [{ cloud: 'a', count: 8 }, { cloud: 'b', count: 5 }] };
    const boot = { byCloud: { a: 2, c: 1 } };
    assert.equal(cloudFaultRate(startup, boot, 'a'), 0.2);
    assert.equal(cloudFaultRate(startup, boot, 'b'), 0);
    assert.equal(cloudFaultRate(startup, boot, 'c'), 1);
    assert.equal(cloudFaultRate(startup, boot, 'd'), null, 'no boot ended: no rate rather than 0 %');
    assert.equal(cloudFaultRate(null, null, 'a'), null);
    assert.deepEqual(stateCounts({ running: 3, error: 0, pending: 5, stopped: 3 }), [['pending', 5], ['running', 3], ['stopped', 3]]);
    assert.deepEqual(stateCounts(null), []);
  });

  it('says what a problem is in one line, with its code', () => {
    assert.equal(problemMessage({ title: 'Service Unavailable', detail: 'cloud default is disabled', code: 'CloudDisabled' }), 'cloud default is disabled (CloudDisabled)');
    assert.equal(problemMessage({ title: 'Conflict', status: 409 }), 'Conflict');
    assert.equal(problemMessage({ status: 502 }), 'HTTP 502');
    assert.equal(problemMessage('plain'), 'plain');
    assert.equal(stepsSummary([{ step: 'resolve', state: 'done' }, { step: 'create', state: 'failed' }, { step: 'track', state: 'running' }]), 'resolve ✓ · create ✗ · track …');
  });
});

describe('dashboard paging, routes and sessions', () => {
  it('walks cursor pages forward and back', () => {
    let pager = firstPage();
    assert.equal(currentCursor(pager), undefined);
    pager = nextPage(pager, 'c1');
    pager = nextPage(pager, 'c2');
    assert.equal(currentCursor(pager), 'c2');
    pager = previousPage(pager);
    assert.equal(currentCursor(pager), 'c1');
    pager = nextPage(pager, 'c2b');
    assert.deepEqual(pager.cursors, [undefined, 'c1', 'c2b'], 'going forward again forgets the old branch');
    assert.equal(nextPage(pager, null), pager, 'the last page has no next');
    assert.equal(previousPage(firstPage()).index, 0);
  });

  it('sorts a page by a column, numbers by value', () => {
    const rows = [{ name: 'vm-10' }, { name: 'vm-9' }, { name: 'vm-100' }];
    assert.deepEqual(sortRows(rows, 'name', 'ascending').map((r: { name: string }) => r.name), ['vm-9', 'vm-10', 'vm-100']);
    assert.deepEqual(sortRows(rows, 'name', 'descending').map((r: { name: string }) => r.name), ['vm-100', 'vm-10', 'vm-9']);
    assert.equal(sortRows(rows, null, 'ascending'), rows);
  });

  it('parses hash routes, unknown pages falling back to the overview', () => {
    assert.deepEqual(parseRoute('#/vms/test%2Fname'), { page: 'vms', arg: 'test/name' });
    assert.deepEqual(parseRoute('#/admin'), { page: 'admin', arg: null });
    assert.deepEqual(parseRoute(''), { page: 'overview', arg: null });
    assert.deepEqual(parseRoute('#/nope/x'), { page: 'overview', arg: null });
    assert.equal(href('vms', 'test/name'), '#/vms/test%2Fname');
    assert.equal(href('status'), '#/status');
  });

  it('keeps a session until it expires and knows an admin', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) } as unknown as Storage;
    const session = { token: 't', expiresAt: new Date(Date.now() + 60_000).toISOString(), user: { username: 'alice', role: 'user' } };
    saveSession(session, storage);
    assert.deepEqual(loadSession(storage), session);
    assert.equal(isAdmin(session), false);
    assert.equal(isAdmin({ ...session, user: { username: 'root', role: 'admin' } }), true);
    saveSession({ ...session, expiresAt: new Date(Date.now() - 1000).toISOString() }, storage);
    assert.equal(loadSession(storage), null, 'an expired token is not offered');
    store.set('cloud-dispatcher.session', '{not json');
    assert.equal(loadSession(storage), null);
    saveSession(null, storage);
    assert.equal(store.size, 0);
  });
});

describe('dashboard API client', () => {
  it('addresses the API relative to the page, whatever prefix a proxy adds', () => {
    assert.equal(apiBase('http://h/ui/'), '/api/v2');
    assert.equal(apiBase('http://h/ui/index.html#/vms'), '/api/v2');
    assert.equal(apiBase('https://h/dispatcher/ui/#/status'), '/dispatcher/api/v2');
    assert.equal(path`/clouds/${'test/name'}/vms/${'a:b'}`, '/clouds/test%2Fname/vms/a%3Ab');
    assert.equal(query({ state: 'running', name: '', tag: ['a:1', 'b:2'], next: undefined, limit: 50 }), '?state=running&tag=a%3A1&tag=b%3A2&limit=50');
    assert.equal(query({}), '');
  });

  it('sends the bearer token and an idempotency key, and turns problems into ApiError', async () => {
    const calls: { url: string; init: any }[] = [];
    let unauthorized = 0;
    const answers = [
      new Response(JSON.stringify({ id: 'op' }), { status: 202 }),
      new Response(JSON.stringify({ title: 'Service Unavailable', detail: 'cloud default is disabled', code: 'CloudDisabled' }), { status: 503 }),
      new Response(JSON.stringify({ title: 'Unauthorized' }), { status: 401 }),
      new Response(null, { status: 204 }),
    ];
    const client = createClient({
      base: '/p/api/v2',
      token: 'tok',
      onUnauthorized: () => unauthorized++,
      fetchImpl: async (url: string, init: any) => (calls.push({ url, init }), answers.shift()!),
    });
    assert.deepEqual(await client.create('/clouds/default/vms', { name: 'w' }), { id: 'op' });
    assert.equal(calls[0].url, '/p/api/v2/clouds/default/vms');
    assert.equal(calls[0].init.headers.Authorization, 'Bearer tok');
    assert.match(calls[0].init.headers['Idempotency-Key'], /\S{8,}/);
    assert.equal(calls[0].init.body, '{"name":"w"}');
    const refused = await client.get('/x').catch((e) => e);
    assert.ok(refused instanceof ApiError);
    assert.equal(refused.status, 503);
    assert.equal(problemMessage(refused.problem), 'cloud default is disabled (CloudDisabled)');
    assert.equal(unauthorized, 0);
    await assert.rejects(client.get('/y'), (e: any) => e.status === 401);
    assert.equal(unauthorized, 1, 'a 401 ends the session');
    assert.equal(await client.del('/auth/tokens/current'), null);
  });
});

describe('dashboard startup chart', () => {
  const report = {
    clouds: [
      { cloud: 'default', count: 3, minMs: 1000, medianMs: 2000, p95Ms: 2800, maxMs: 3000, images: [{ image: 'ubuntu', count: 3, minMs: 1000, medianMs: 2000, p95Ms: 2800, maxMs: 3000 }] },
    ],
  };

  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceMax(3000), 5000);
    assert.equal(niceMax(1000), 1000);
    assert.equal(niceMax(1200), 2000);
    assert.equal(niceMax(60_001), 100_000);
    assert.equal(niceMax(0), 1);
    assert.deepEqual(axisTicks(4000), [0, 1000, 2000, 3000, 4000]);
  });

  it('puts each cloud and its images on one axis', () => {
    const rows = startupRows(report);
    assert.deepEqual(rows.map((r) => [r.label, r.level]), [['default', 0], ['default · ubuntu', 1]]);
    assert.deepEqual(rowGeometry(rows[0], 5000, 500), { from: 100, to: 300, median: 200, p95: 280 });
    const point = rowGeometry({ ...rows[0], minMs: 1000, maxMs: 1000 }, 5000, 500);
    assert.equal(point.to - point.from, 2, 'a single value still shows as a sliver');
    assert.deepEqual(startupRows(null), []);
  });
});

describe('dashboard clusters', () => {
  const fields = { name: 'job-42', size: '3', image: 'debian-12', vmSize: 'm1.small', strategy: 'pack' };

  it('turns the create form into the API body, and names the field that is wrong', () => {
    assert.deepEqual(clusterCreateBody(fields), {
      body: { name: 'job-42', size: 3, template: { image: 'debian-12', size: 'm1.small' }, placement: { strategy: 'pack' } },
    });
    assert.equal(clusterCreateBody({ ...fields, name: '  job-42 ' }).body?.name, 'job-42');
    assert.equal(clusterCreateBody({ ...fields, strategy: 'weighted' }).body?.placement.strategy, 'spread', 'only the offered strategies');
    assert.match(clusterCreateBody({ ...fields, name: '-bad' }).error ?? '', /^Name/);
    assert.match(clusterCreateBody({ ...fields, name: 'has space' }).error ?? '', /^Name/);
    assert.match(clusterCreateBody({ ...fields, name: 'x'.repeat(64) }).error ?? '', /^Name/);
    assert.equal(clusterCreateBody({ ...fields, name: 'x'.repeat(63) }).error, undefined);
    for (const size of ['0', '1001', '2.5', '', 'two', '-1']) assert.match(clusterCreateBody({ ...fields, size }).error ?? '', /^Size/, size);
    assert.equal(clusterCreateBody({ ...fields, size: '1000' }).body?.size, 1000);
    assert.match(clusterCreateBody({ ...fields, image: '' }).error ?? '', /Image/);
  });

  it('checks a new size (0 empties the cluster) and sends force only when asked', () => {
    assert.deepEqual(scaleBody('3'), { body: { size: 3 } });
    assert.deepEqual(scaleBody('0'), { body: { size: 0 } });
    assert.deepEqual(scaleBody(' 5 ', true), { body: { size: 5, force: true } });
    assert.match(scaleBody('1001').error ?? '', /New size/);
    assert.match(scaleBody('x').error ?? '', /New size/);
  });

  it('knows busy statuses, shows members per cloud, and asks before stop and delete only', () => {
    for (const s of ['creating', 'scaling', 'stopping', 'deleting']) assert.equal(isClusterBusy(s), true, s);
    for (const s of ['ready', 'degraded', 'stopped']) assert.equal(isClusterBusy(s), false, s);
    assert.equal(stateTone('ready'), 'ok');
    assert.equal(stateTone('degraded'), 'warn');
    assert.equal(stateTone('scaling'), 'busy');
    assert.equal(cloudSpread({ 'fake-east': 1, default: 2, gone: 0 }), 'default 2 · fake-east 1');
    assert.equal(cloudSpread({}), '—');
    assert.match(confirmText('delete', 'job-42') ?? '', /Delete job-42\?/);
    assert.match(confirmText('stop', 'job-42') ?? '', /Stop/);
    assert.equal(confirmText('reboot', 'job-42'), null);
  });
});
