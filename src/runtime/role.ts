import type { Runtime } from './runtime.js';

/** A running role: what it tells the start-up log, and how it stops. */
export interface RunningRole {
  /** Lines for the start-up log ("HTTP API on http://0.0.0.0:8080"). */
  describe(): string[];
  /** Ports it listens on, when it listens (tests and the start-up summary read them). */
  ports?: { http?: number; mqtt?: number };
  /** Stop intake, drain in-flight work, release resources. Safe to call twice; never throws. */
  close(): Promise<void>;
}

export type RoleStarter = (rt: Runtime, shared: SharedServices) => Promise<RunningRole>;

/** Services that several roles of one process use; built once per process. */
export interface SharedServices {
  /** Extra API plugins other roles contribute (e.g. the simulator's status). */
  readonly apiPlugins: { plugin: import('fastify').FastifyPluginAsync; prefix?: string }[];
}
