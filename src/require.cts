/**
 * The CommonJS entry of each of the `weft` package's entries (`require('weft')`, `'weft/calculator'`,
 * `'weft/models'`) on a Node that cannot require an ES module (before 22.12). weft is an ES module
 * only: its workers, its top-level structure and its users' calculator modules are ESM. Rather than
 * Node's bare "No exports main defined", this says what to do, with Node's own code for the
 * situation. Node 22.12 and later take the `module-sync` condition first and load the ES module
 * itself.
 */
const error = new Error(
  "weft's entries (weft, weft/calculator, weft/models) are ES modules and this Node cannot require() " +
    "them: import them from an ES module (import { Session } from 'weft'), or from CommonJS with " +
    "`const weft = await import('weft')`",
) as Error & { code: string };
error.code = 'ERR_REQUIRE_ESM';
throw error;

export {};
