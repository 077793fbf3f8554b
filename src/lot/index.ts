export { normalizePlate, MAX_PLATE_LENGTH } from './plate.js';
export { validateGate, gateIds } from './gate.js';
export { decideEntry, decideExit, validateCommand, type LotSnapshot, type EntryRequest, type ExitDecision } from './rules.js';
