/** Loads NAB's realKnownCause files, windows and profiles from bench/nab/data (or NAB_DIR). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CostMatrix } from './scorer.js';

// A copy of NAB's realKnownCause files (MIT, Numenta; see data/LICENSE.txt) travels with the code, so
// the scorer, the diagnosis tests and the bench run on any clone.
export const NAB_DIR = process.env.NAB_DIR ?? new URL('./data/', import.meta.url).pathname;

export interface NabFile {
  name: string;
  timestamps: number[];
  values: number[];
  windows: [number, number][];
  labels: number[];
}

/** NAB timestamps are naive "YYYY-MM-DD HH:MM:SS(.ffffff)"; read as UTC. */
export const parseNabTime = (s: string): number => Date.parse(s.slice(0, 19).replace(' ', 'T') + 'Z');

export function loadNabFile(file: string, dir = NAB_DIR): NabFile {
  const text = readFileSync(join(dir, file), 'utf8');
  const timestamps: number[] = [];
  const values: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    if (!line.trim()) continue;
    const [ts, v] = line.split(',');
    timestamps.push(parseNabTime(ts!));
    values.push(Number(v));
  }
  const key = `realKnownCause/${file}`;
  const windows =
    (
      JSON.parse(readFileSync(join(dir, 'combined_windows.json'), 'utf8')) as Record<
        string,
        [string, string][]
      >
    )[key] ?? [];
  const labels =
    (JSON.parse(readFileSync(join(dir, 'combined_labels.json'), 'utf8')) as Record<string, string[]>)[key] ??
    [];
  return {
    name: file,
    timestamps,
    values,
    windows: windows.map(([a, b]) => [parseNabTime(a), parseNabTime(b)]),
    labels: labels.map(parseNabTime),
  };
}

export const NAB_FILES = [
  'ambient_temperature_system_failure.csv',
  'cpu_utilization_asg_misconfiguration.csv',
  'ec2_request_latency_system_failure.csv',
  'machine_temperature_system_failure.csv',
  'nyc_taxi.csv',
  'rogue_agent_key_hold.csv',
  'rogue_agent_key_updown.csv',
];

export function loadCorpus(dir = NAB_DIR): NabFile[] {
  return NAB_FILES.map((f) => loadNabFile(f, dir));
}

export type ProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';

export function loadProfiles(dir = NAB_DIR): Record<ProfileName, CostMatrix> {
  const raw = JSON.parse(readFileSync(join(dir, 'profiles.json'), 'utf8')) as Record<
    ProfileName,
    { CostMatrix: CostMatrix }
  >;
  return {
    standard: raw.standard.CostMatrix,
    reward_low_FP_rate: raw.reward_low_FP_rate.CostMatrix,
    reward_low_FN_rate: raw.reward_low_FN_rate.CostMatrix,
  };
}
