/**
 * Change-feed channels that keep live views current (src/api/live.ts listens; the storage role and the
 * alerting side publish). Announcements only: a lost one delays a refresh, it never loses data.
 */

/** What the storage role just stored. */
export const STORED_CHANNEL = 'stored';
/** A tenant's alerts changed (fired, resolved, acknowledged). */
export const ALERT_EVENTS_CHANNEL = 'alert-events';

export interface StoredMessage {
  tenant: string;
  /** location/asset/sensor paths with new readings; absent when there were too many to list. */
  sensors?: string[];
}
export interface AlertEventsMessage {
  tenantId: number;
}

/** Longer lists are announced as "something in the tenant" rather than growing the message. */
export const MAX_ANNOUNCED_SENSORS = 500;
