// Every test must close the threads it opens: a leaked worker is a bug, so it fails the test.
import { afterEach, expect } from 'vitest';
import { liveThreadCount, terminateAllThreads } from '../../src/actors/thread-task.js';

afterEach(async () => {
  const leaked = liveThreadCount();
  if (leaked > 0) await terminateAllThreads();
  expect(leaked, 'worker threads left running after the test').toBe(0);
});
