/**
 * ARIMA(1,1,1) through the `arima` package (ctsa compiled to WebAssembly; loads synchronously in Node
 * through its CommonJS entry). Its predict returns the forecast and the mean squared error per step,
 * whose square roots are the interval's standard deviations. Non-seasonal only: a seasonal ARIMA on
 * 288- or 1008-step periods is too slow to refit at every backtest origin.
 */
import ARIMA from 'arima';
import { withInterval } from './stats.js';
import type { Fitted, Model } from './types.js';

const MAX_H = 1000;

/**
 * ctsa prints warnings ("non-stationary AR part") through Emscripten's console.log bound at load time;
 * they would land in the CLI's and the server's stdout, so stdout is muted around the WASM calls.
 */
function quiet<T>(fn: () => T): T {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return fn();
  } finally {
    process.stdout.write = write;
  }
}

export const arima: Model = {
  name: 'arima',
  seasonal: false,
  minLength: () => 20,
  fit(y): Fitted {
    // ctsa works best near unit scale: fit on standardised values and scale back.
    let mu = 0;
    for (const v of y) mu += v;
    mu /= y.length;
    let sd = 0;
    for (const v of y) sd += (v - mu) ** 2;
    sd = Math.sqrt(sd / y.length) || 1;
    const model = new ARIMA({ p: 1, d: 1, q: 1, verbose: false });
    try {
      const [one, oneVar] = quiet(() => {
        model.train(y.map((v) => (v - mu) / sd));
        return model.predict(1);
      });
      const sigma = Math.sqrt(oneVar[0]!) * sd;
      if (!Number.isFinite(one[0]!) || !Number.isFinite(sigma)) throw new Error('ARIMA fit did not converge');
      // Forecasts are computed now, because the WASM object is freed below: up to MAX_H steps, beyond
      // which the last step is held (ARIMA(1,1,1) has converged to its drift long before).
      const [p, v] = quiet(() => model.predict(MAX_H));
      const means = p.map((x) => x * sd + mu);
      const sds = v.map((x) => Math.sqrt(Math.max(0, x)) * sd);
      const at = (xs: number[], i: number) => xs[Math.min(i, xs.length - 1)]!;
      // ctsa sometimes returns an explosive fit; refuse forecasts far outside anything seen
      const lo = Math.min(...y);
      const hi = Math.max(...y);
      const room = 10 * (hi - lo || Math.abs(mu) || 1);
      // (checked over as many steps as there is history: further out, a real drift may leave the range)
      if (means.slice(0, y.length).some((x) => !Number.isFinite(x) || x < lo - room || x > hi + room))
        throw new Error('ARIMA forecast diverged');
      return {
        model: 'arima',
        sigma,
        params: { p: 1, d: 1, q: 1 },
        forecast(h, level = 0.95) {
          const idx = Array.from({ length: h }, (_, i) => i);
          return withInterval(
            idx.map((i) => at(means, i)),
            idx.map((i) => at(sds, i)),
            level,
          );
        },
      };
    } finally {
      model.destroy();
    }
  },
};
