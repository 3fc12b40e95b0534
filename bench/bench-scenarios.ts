// Every scenario, in the order a full run takes them.
import type { Scenario } from './bench-scenario.js';
import { apiOverhead } from './scenario-api-overhead.js';
import { assignThroughput } from './scenario-assign-throughput.js';
import { cliStart } from './scenario-cli-start.js';
import { cluster } from './scenario-cluster.js';
import { fanout } from './scenario-fanout.js';
import { lookupScaling } from './scenario-lookup-scaling.js';
import { memory } from './scenario-memory.js';
import { releaseLatency } from './scenario-release-latency.js';
import { scaleOut } from './scenario-scale-out.js';
import { v2List } from './scenario-v2-list.js';

// Each scenario has its own options type; the runner only passes a scenario its own.
export const SCENARIOS: Scenario<any>[] = [apiOverhead, v2List, lookupScaling, fanout, memory, assignThroughput, releaseLatency, cliStart, cluster, scaleOut];
