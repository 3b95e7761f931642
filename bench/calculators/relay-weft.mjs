// RelayWeftCalculator: relay-calc.mjs's calculator in a module that imports `weft`, as a user's
// calculator module written against the main entry does: its thread loads the whole runtime.
import 'weft';
import { relay } from './relay-calc.mjs';

export default relay('RelayWeftCalculator');
