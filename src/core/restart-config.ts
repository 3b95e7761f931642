/**
 * The restart policy of a graph and its nodes (weft extension, see `RestartPolicy`): what a valid
 * one is, and the policy each node ends up with.
 *
 * Threading: pure, any thread.
 */
import {
  DEFAULT_RESTART,
  type ResolvedRestartPolicy,
  type RestartPolicy,
  type RestartPolicyName,
} from './graph-config.js';

/** The policies a restart policy may name (`RestartPolicy.policy`). */
export const RESTART_POLICIES: readonly RestartPolicyName[] = ['stop', 'resume'];

/** The policies, quoted, for messages: `"stop" or "resume"`. */
export const RESTART_POLICY_LIST = RESTART_POLICIES.map((p) => JSON.stringify(p)).join(' or ');

/**
 * What is wrong with a restart policy (`NodeConfig.restart`, `GraphConfig.restart`), one message
 * each, `what` first (`restart`, `graph restart`): not an object, a field it does not have, a
 * policy other than `stop` / `resume`, `maxRestarts` not an integer ≥ 0, `periodMs` not an
 * integer ≥ 1. Empty when it is fine.
 */
export function restartProblems(p: unknown, what: string): string[] {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) {
    return [`${what} ${show(p)} must be an object { policy, maxRestarts?, periodMs? }`];
  }
  const out: string[] = [];
  const { policy, maxRestarts, periodMs, ...rest } = p as Record<string, unknown>;
  for (const key of Object.keys(rest)) {
    out.push(`${what} has an unknown field "${key}" (it takes policy, maxRestarts, periodMs)`);
  }
  if (!RESTART_POLICIES.includes(policy as RestartPolicyName)) {
    out.push(`${what}.policy ${show(policy)} must be ${RESTART_POLICY_LIST}`);
  }
  if (maxRestarts !== undefined && !(Number.isInteger(maxRestarts) && (maxRestarts as number) >= 0)) {
    out.push(`${what}.maxRestarts ${show(maxRestarts)} must be an integer ≥ 0`);
  }
  if (periodMs !== undefined && !(Number.isInteger(periodMs) && (periodMs as number) >= 1)) {
    out.push(`${what}.periodMs ${show(periodMs)} must be an integer number of ms ≥ 1`);
  }
  return out;
}

// A config value in a message: strings quoted, anything else as String gives it.
function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return String(v);
  } catch {
    return typeof v;
  }
}

/** A node's restart policy with the defaults filled in (validation has checked its values). */
export function resolveRestart(p: RestartPolicy | undefined): ResolvedRestartPolicy {
  if (p === undefined) return DEFAULT_RESTART;
  return {
    policy: p.policy,
    maxRestarts: p.maxRestarts ?? DEFAULT_RESTART.maxRestarts,
    periodMs: p.periodMs ?? DEFAULT_RESTART.periodMs,
  };
}
