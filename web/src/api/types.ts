/** Response shapes of the API routes the app uses (see src/storage/query-routes.ts and alerts-routes.ts). */

export interface Location {
  id: number;
  slug: string;
  name: string;
  timezone: string;
  assets: number;
}

export interface Asset {
  id: number;
  location: string;
  slug: string;
  name: string;
  assetType: string | null;
  sensors: number;
}

export interface SeriesInfo {
  seriesId: number;
  location: string;
  asset: string;
  assetType: string | null;
  sensor: string;
  parameter: string;
  unit: string;
}

export interface Latest extends SeriesInfo {
  ts: number | null;
  value: number | null;
}

export interface SeriesResponse {
  from: number;
  to: number;
  series: (SeriesInfo & {
    tier: string;
    data: [number, number][];
    band: [number, number, number][];
  })[];
}

export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Alert {
  id: number;
  ruleId: string;
  fingerprint: string;
  priority: Priority;
  status: 'firing' | 'resolved';
  location: string;
  asset: string;
  sensor: string;
  parameter: string;
  title: string;
  action: string;
  value: number | null;
  firedAt: number;
  resolvedAt: number | null;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  flapping: boolean;
}

/** GET /api/v1/auth/me (cookie sessions; src/iam/auth-routes.ts). */
export interface Me {
  user: { id: number; email: string; name: string; platformAdmin?: boolean };
  tenant: string;
  role: string;
  tenants: { tenant: string; role: string }[];
}

export interface AlertEvent {
  id: number;
  kind: 'firing' | 'resolved' | 'acknowledged' | 'renotify' | 'flapping';
  ts: number;
  value: number | null;
  detail: Record<string, unknown>;
}

export interface Delivery {
  id: number;
  userId: number;
  priority: Priority;
  kind: string;
  status: string;
  provider: string | null;
  providerId: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}
