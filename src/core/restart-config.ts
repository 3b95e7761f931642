/**
 * The restart policy of a graph and its nodes (weft extension, see `RestartPolicy`): what a valid
 * one is, and the policy each node ends up with.
 *
 * Threading: pure, any thread.
 */
import {
  DEFAULT_RESTART,
  type ResolvedRestartPolicy,
  type RestartDelivery,
  type RestartPolicy,
  type RestartPolicyName,
} from './graph-config.js';

/** The policies a restart policy may name (`RestartPolicy.policy`). */
export const RESTART_POLICIES: readonly RestartPolicyName[] = ['stop', 'resume', 'restart'];

/** The policies, quoted, for messages: `"stop", "resume" or "restart"`. */
export const RESTART_POLICY_LIST = quotedList(RESTART_POLICIES);

/** The deliveries a `restart` policy may name (`RestartPolicy.delivery`). */
export const RESTART_DELIVERIES: readonly RestartDelivery[] = ['at-most-once', 'at-least-once'];

/** The deliveries, quoted, for messages. */
export const RESTART_DELIVERY_LIST = quotedList(RESTART_DELIVERIES);

/** The fields a restart policy object takes, for messages. */
export const RESTART_FIELDS = 'policy, maxRestarts, periodMs, delivery';

function quotedList(xs: readonly string[]): string {
  const q = xs.map((x) => JSON.stringify(x));
  return q.length < 2 ? q.join('') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

/**
 * What is wrong with a restart policy (`NodeConfig.restart`, `GraphConfig.restart`), one message
 * each, `what` first (`restart`, `graph restart`): not an object, a field it does not have, a
 * policy other than `stop` / `resume` / `restart`, `maxRestarts` not an integer ≥ 0, `periodMs`
 * not an integer ≥ 1, a `delivery` other than the two, or one given to a policy other than
 * `restart`. Empty when it is fine.
 */
export function restartProblems(p: unknown, what: string): string[] {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) {
    return [`${what} ${show(p)} must be an object { policy, maxRestarts?, periodMs?, delivery? }`];
  }
  const out: string[] = [];
  const { policy, maxRestarts, periodMs, delivery, ...rest } = p as Record<string, unknown>;
  for (const key of Object.keys(rest)) {
    out.push(`${what} has an unknown field "${key}" (it takes ${RESTART_FIELDS})`);
  }
  if (delivery !== undefined) {
    if (!RESTART_DELIVERIES.includes(delivery as RestartDelivery)) {
      out.push(`${what}.delivery ${show(delivery)} must be ${RESTART_DELIVERY_LIST}`);
    } else if (policy !== 'restart') {
      out.push(`${what}.delivery applies to the "restart" policy only, not ${show(policy)}`);
    }
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
    delivery: p.delivery ?? DEFAULT_RESTART.delivery,
  };
}
