/** Small numeric helpers shared by the models: moments, the normal quantile, interval building. */

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length ? s / xs.length : NaN;
}

/** Root mean square of the finite values (the sigma of residuals whose mean is ~0). */
export function rms(xs: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const x of xs) {
    if (Number.isFinite(x)) {
      s += x * x;
      n++;
    }
  }
  return n ? Math.sqrt(s / n) : 0;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf, absolute error < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** An interval around each point forecast: mean +- z * sd[h]. */
export function withInterval(meanF: number[], sd: number[], level: number) {
  const z = normalQuantile(0.5 + level / 2);
  return {
    mean: meanF,
    lower: meanF.map((m, i) => m - z * sd[i]!),
    upper: meanF.map((m, i) => m + z * sd[i]!),
    level,
  };
}

/** Nelder-Mead minimisation over a box: the point is clamped into [lo, hi] before every evaluation. */
export function minimize(
  f: (x: number[]) => number,
  start: number[],
  lo: number[],
  hi: number[],
  maxEvals = 120,
): number[] {
  const clamp = (x: number[]) => x.map((v, i) => Math.min(hi[i]!, Math.max(lo[i]!, v)));
  const n = start.length;
  const evalAt = (x: number[]) => {
    const v = f(clamp(x));
    return Number.isFinite(v) ? v : Number.MAX_VALUE;
  };
  let simplex = [clamp(start)];
  for (let i = 0; i < n; i++) {
    const x = clamp(start).slice();
    const step = (hi[i]! - lo[i]!) * 0.2;
    x[i] = x[i]! + step <= hi[i]! ? x[i]! + step : x[i]! - step;
    simplex.push(x);
  }
  let values = simplex.map(evalAt);
  let evals = n + 1;
  while (evals < maxEvals) {
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    simplex = order.map(([, i]) => simplex[i]!);
    values = order.map(([v]) => v);
    if (Math.abs(values[n]! - values[0]!) <= 1e-10 * (Math.abs(values[0]!) + 1e-12)) break;
    const centroid = Array.from({ length: n }, (_, j) => mean(simplex.slice(0, n).map((p) => p[j]!)));
    const worst = simplex[n]!;
    const along = (t: number) => centroid.map((c, j) => c + t * (worst[j]! - c));
    const xr = along(-1);
    const fr = evalAt(xr);
    evals++;
    if (fr < values[0]!) {
      const xe = along(-2);
      const fe = evalAt(xe);
      evals++;
      [simplex[n], values[n]] = fe < fr ? [xe, fe] : [xr, fr];
    } else if (fr < values[n - 1]!) {
      [simplex[n], values[n]] = [xr, fr];
    } else {
      const xc = along(0.5);
      const fc = evalAt(xc);
      evals++;
      if (fc < values[n]!) [simplex[n], values[n]] = [xc, fc];
      else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!));
          values[i] = evalAt(simplex[i]!);
        }
        evals += n;
      }
    }
  }
  const best = values.indexOf(Math.min(...values));
  return clamp(simplex[best]!);
}
