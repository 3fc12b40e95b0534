// The benchmark suite at toy sizes: every scenario still starts its servers, drives them and
// produces a well-formed result with sane numbers, so bench/ cannot rot unnoticed. No timing goal
// is checked here (that is `npm run bench`'s job, on a quiet machine).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ensureBuild } from '../../bench/bench-build.js';
import { formatScenario, formatTable, type ScenarioResult } from '../../bench/bench-report.js';
import { SCENARIOS } from '../../bench/bench-scenarios.js';

function checkWellFormed(result: ScenarioResult, name: string): void {
  assert.equal(result.scenario, name);
  assert.ok(result.title.length > 0);
  assert.ok(result.durationMs > 0);
  assert.ok(result.metrics.length > 0, 'at least one metric');
  assert.ok(result.notes.length > 0, 'notes say what was counted');
  for (const m of result.metrics) {
    const label = `${name}: ${m.name}`;
    assert.ok(Number.isFinite(m.figure), `${label}: figure ${m.figure}`);
    // A growth may be negative (RSS can shrink at toy sizes); every other figure is a size, rate or count.
    if (!m.name.includes('growth')) assert.ok(m.figure >= 0, `${label}: figure ${m.figure}`);
    assert.ok(m.unit.length > 0, `${label}: unit`);
    if (m.baseline !== undefined) {
      assert.ok(Number.isFinite(m.baseline) && m.baseline > 0, `${label}: baseline ${m.baseline}`);
      assert.ok(m.ratio !== undefined && Math.abs(m.ratio - m.figure / m.baseline) < 1e-9, `${label}: ratio`);
    }
    if (m.goal) assert.equal(typeof m.met, 'boolean', `${label}: a goal gives met/missed`);
    else assert.equal(m.met, undefined, `${label}: no goal, no verdict`);
  }
  assert.match(formatScenario(result), new RegExp(name));
  assert.match(formatTable([result]), new RegExp(`\\| ${name} `));
}

function figure(result: ScenarioResult, prefix: string): number {
  const m = result.metrics.find((x) => x.name.startsWith(prefix));
  assert.ok(m, `${result.scenario} reports "${prefix}…"`);
  return m.figure;
}

/** Checks that hold at any size and on any machine (counts and orders of magnitude, not speed). */
const SANE: Record<string, (r: ScenarioResult) => void> = {
  'api-overhead': (r) => assert.ok(figure(r, 'requests/s') > 0),
  'v2-list': (r) => assert.ok(figure(r, 'requests/s') > 0),
  'lookup-scaling': (r) => {
    assert.equal(figure(r, 'lookup calls per stop'), 1);
    assert.equal(figure(r, 'lookup calls per release'), 1);
    assert.equal(figure(r, 'listVms calls'), 0);
  },
  fanout: (r) => {
    assert.ok(figure(r, 'wall time of') >= r.metrics[0].baseline! * 0.9, 'no faster than the clouds allow');
    assert.ok(figure(r, 'SQLite execution per start') > 0);
  },
  memory: (r) => assert.ok(figure(r, 'RSS with') > figure(r, 'JS heap used'), 'RSS holds the heap'),
  // A rate is not checked against a floor here: on a loaded machine one pair can take seconds.
  // What must hold is that pairs completed and each did the release's store work.
  'assign-throughput': (r) => {
    assert.ok(figure(r, 'pairs/s on sqlite') > 0);
    const statements = figure(r, 'store statements per pair on sqlite');
    assert.ok(statements >= 4 && statements < 100, `store statements per pair: ${statements}`);
    // The floor rests on the store's timing of each statement: none measured would put it at 1.
    assert.ok(figure(r, 'SQLite execution per pair on sqlite') > 0);
    // Group commit (decision 0004): the pair's writes made at least one commit, and at most one per statement.
    const commits = figure(r, 'SQLite commits per pair on sqlite');
    assert.ok(commits > 0 && commits <= statements, `commits per pair: ${commits}`);
    assert.ok(figure(r, 'server CPU per trivial statement on sqlite') > 0);
    const ceiling = figure(r, 'ceiling on sqlite');
    assert.ok(ceiling > 0 && ceiling < 1, `ceiling ${ceiling}`);
  },
  'cli-start': (r) => assert.ok(figure(r, 'dispatcher --version') >= r.metrics[0].baseline! * 0.5, 'the CLI is a node process too'),
  'scale-out': (r) => {
    assert.ok(figure(r, 'pairs/s, 2 instances') > 0);
    assert.ok(figure(r, 'machine CPU per pair, 1 instance') > 0, 'the machine was busy during the pairs');
    assert.ok(figure(r, 'ceiling on') > 0);
  },
  // Generous: a loaded CI machine delays polls by seconds at times (a CI run saw over 1 s); this
  // catches a release that waits for its timeout (releaseTimeoutMs, 120 s by default).
  'release-latency': (r) => assert.ok(figure(r, 'worst wait') < 10_000, `the release answered soon after the deletion: ${figure(r, 'worst wait')} ms`),
  cluster: (r) => assert.ok(figure(r, 'wall time of') >= r.metrics[0].baseline! * 0.9, 'no faster than the clouds allow'),
};

describe('bench smoke: every scenario at a toy size', { concurrency: 3 }, () => {
  // One transpile for all (the scenarios' servers run the transpiled tree).
  before(() => ensureBuild(), { timeout: 60_000 });

  for (const scenario of SCENARIOS) {
    // scale-out measures instances on one PostgreSQL: without DATABASE_URL there is nothing to check.
    const skip = scenario.name === 'scale-out' && !process.env.DATABASE_URL ? 'scale-out needs PostgreSQL (DATABASE_URL)' : false;
    it(`${scenario.name} produces a well-formed result`, { timeout: 60_000, skip }, async () => {
      const result = await scenario.run(scenario.smoke);
      checkWellFormed(result, scenario.name);
      const sane = SANE[scenario.name];
      assert.ok(sane, `a sanity check exists for ${scenario.name}`);
      sane(result);
    });
  }
});
