/** The engine behind `datainsight simulate`: a seeded building model, a paced live runner and backfill. */
export { backfill, type BackfillOptions, type BackfillResult } from './backfill.js';
export type { SensorBatch, Sink } from './batch.js';
export { FAULT_KINDS, type FaultKind, type FaultSpec } from './faults.js';
export { formatProgress, systemClock, type Clock, type SimulationStats } from './progress.js';
export { runSimulation, type RunOptions } from './runner.js';
export { httpSink, mqttSink } from './sinks.js';
export { createSimulator, type Simulator } from './simulator.js';
export { DEFAULT_ASSET_MIX, type AssetMix, type ModelOptions, type SensorInfo } from './topology.js';
