import { describe, expect, it } from 'vitest';
import {
  AdderCalculator,
  CollectorCalculator,
  ConstantSidePacketCalculator,
  CounterSourceCalculator,
  coreCalculatorModules,
  FlowLimiterCalculator,
  GateCalculator,
  InferenceCalculator,
  MergeCalculator,
  MuxCalculator,
  PacketPresenceCalculator,
  PassThroughCalculator,
  PoolCalculator,
  PreprocessCalculator,
  PreviousLoopbackCalculator,
  ReplicaDispatchCalculator,
  ReplicaGatherCalculator,
  RoundRobinDemuxCalculator,
  SidePacketToStreamCalculator,
  SyntheticVideoCalculator,
  TimeShiftCalculator,
} from '../../src/calculators/index.js';

const named: Record<string, unknown> = {
  AdderCalculator,
  CollectorCalculator,
  CounterSourceCalculator,
  FlowLimiterCalculator,
  GateCalculator,
  InferenceCalculator,
  MergeCalculator,
  ConstantSidePacketCalculator,
  MuxCalculator,
  PacketPresenceCalculator,
  PreviousLoopbackCalculator,
  RoundRobinDemuxCalculator,
  SidePacketToStreamCalculator,
  PassThroughCalculator,
  PoolCalculator,
  PreprocessCalculator,
  ReplicaDispatchCalculator,
  ReplicaGatherCalculator,
  SyntheticVideoCalculator,
  TimeShiftCalculator,
};

describe('coreCalculatorModules', () => {
  it('lists a loadable module URL for every core calculator, named as its definition', async () => {
    const entries = coreCalculatorModules();
    expect(entries.map((e) => e.name).sort()).toEqual(Object.keys(named).sort());
    for (const e of entries) {
      expect(e.module).toMatch(/^file:.*\/src\/calculators\/[a-z-]+\.ts$/);
      expect(e.exportName).toBe('default');
      const mod = (await import(e.module)) as Record<string, { name: string }>;
      expect(mod[e.exportName]?.name).toBe(e.name);
      // The named re-export is the very definition the worker would load.
      expect(named[e.name]).toBe(mod.default);
    }
  });
});
