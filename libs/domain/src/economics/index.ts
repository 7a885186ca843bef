export * from './errors';
export {
  PPM,
  PPM_BIG,
  parsePpm,
  formatPpm,
  parseBetas,
  parseShares,
  parseAmount,
  toAmount,
  parseInteger,
  parseLevels,
  parsePositiveReal,
} from './ppm';
export { split, allocateLevel, splitByWeights, termsFromBetas } from './split';
export type { LevelTerms, DaoTerms, SplitOptions, SplitResult } from './split';
export { ownership, ownershipExact, betasFor } from './ownership';
export type { OwnershipOptions, ExactOwnership } from './ownership';
export { seededRandom } from './random';
export type { Random } from './random';
export {
  simulate,
  trialOwnership,
  ownershipGrowth,
  uniformThreshold,
  gini,
  DEFAULT_PARETO_ALPHA,
  MAX_SIMULATED_VSPS,
  MAX_TRIALS,
} from './simulate';
export type {
  SimulationParams,
  SimulationMode,
  UniformSimulation,
  ParetoSimulation,
  SimulationResult,
  ThresholdParams,
  ThresholdResult,
} from './simulate';
export { fitParetoCurve, paretoCurveAt, paretoJoinBeta } from './advisor';
export type { ParetoFit, ParetoJoinAdvice } from './advisor';
