export {
  codeOf,
  REFUSAL_CODES,
  runLoad,
  type LoadMode,
  type LoadOptions,
  type LoadProgress,
  type LoadSummary,
  type LoadTarget,
} from './load-generator.js';
export { RatePacer, type PacerOptions } from './pacer.js';
export { LatencyRecorder, median, percentile, type LatencySummary } from './percentiles.js';
export { PlatePool, type LoadOp, type OpOutcome, type PlannedOp } from './plate-pool.js';
export { formatProgress, formatSummary } from './report.js';
