/**
 * `weft/models`: ONNX models built in code (no download), kept out of the main entry so that
 * `import 'weft'` does not load the protobuf writer.
 */
export type { ElementType } from './onnx-graph.js';
export {
  buildTinyClassifier,
  type EnsureModelOptions,
  ensureModel,
  type TinyClassifier,
  type TinyClassifierOptions,
} from './tiny-classifier.js';
