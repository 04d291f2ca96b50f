import { sql as coreModel } from './0001_core_model.js';
import { sql as timeseries } from './0002_timeseries.js';
import { sql as alerting } from './0003_alerting.js';
import { sql as notifications } from './0004_notifications.js';
import { sql as sessions } from './0005_sessions.js';
import { sql as dashboards } from './0006_dashboards.js';
import { sql as exportsSql } from './0007_exports.js';
import { sql as connectors } from './0008_connectors.js';
import { sql as analytics } from './0009_analytics.js';

export interface Migration {
  /** Ordered, never reused. */
  id: number;
  name: string;
  sql: string;
}

/**
 * Every schema change, in order. Migrations are TypeScript modules (not .sql files) so the compiled
 * build carries them with no copy step. Never edit a released migration: add the next one.
 */
export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: 'core_model', sql: coreModel },
  { id: 2, name: 'timeseries', sql: timeseries },
  { id: 3, name: 'alerting', sql: alerting },
  { id: 4, name: 'notifications', sql: notifications },
  { id: 5, name: 'sessions', sql: sessions },
  { id: 6, name: 'dashboards', sql: dashboards },
  { id: 7, name: 'exports', sql: exportsSql },
  { id: 8, name: 'connectors', sql: connectors },
  { id: 9, name: 'analytics', sql: analytics },
];
