/**
 * Predictive analytics: the model chosen per series and forecast horizon by rolling-origin backtest
 * (ADR 15), with the backtest table it was chosen on. Written by the analytics role (and on demand by
 * the API); one row per (series, horizon), replaced at each refit.
 */
export const sql = `
create table analytics_models (
  tenant_id     integer not null,
  series_id     integer not null,
  horizon_ms    bigint not null check (horizon_ms > 0),
  tier          text not null,
  interval_ms   bigint not null,
  period        integer not null,
  model         text not null,
  reason        text not null,
  mase          double precision,
  baseline_mase double precision,
  scores        jsonb not null,
  fitted_at     bigint not null,
  fit_ms        double precision not null,
  primary key (series_id, horizon_ms),
  foreign key (tenant_id, series_id) references series(tenant_id, id) on delete cascade
);
create index analytics_models_tenant on analytics_models (tenant_id);
create index analytics_models_fitted on analytics_models (fitted_at);
`;
