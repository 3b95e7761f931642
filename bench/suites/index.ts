/**
 * The suite registry: `npm run bench` runs these, in this order, when no suite is named.
 * A new suite (`graph`, `run`, `pipeline`, `scaling`, `faults`, `cluster`) is one module and one line here.
 */
import type { Suite } from '../lib/suite.js';
import { clusterSuite } from './cluster.js';
import { faultsSuite } from './faults.js';
import { graphSuite } from './graph.js';
import { latencySuite } from './latency.js';
import { pipelineSuite } from './pipeline.js';
import { runSuite } from './run.js';
import { scalingSuite } from './scaling.js';
import { transportSuite } from './transport.js';

/** Every suite, in run order. */
export const suites: readonly Suite[] = [
  transportSuite,
  graphSuite,
  runSuite,
  latencySuite,
  pipelineSuite,
  scalingSuite,
  faultsSuite,
  clusterSuite,
];

/** The suite with this name, or undefined. */
export function findSuite(name: string): Suite | undefined {
  return suites.find((s) => s.name === name);
}
