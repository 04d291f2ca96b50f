/**
 * Evaluating an expression tree. Total: it returns a number (conditions as 1 or 0) or NaN for
 * "unknown" (a missing parameter, a division by zero, an overflow), and never throws. && and || follow
 * three-valued logic, so `false && unknown` is false and `true || unknown` is true.
 */
import type { CompareOp, Expr } from './expression-ast.js';

export type Lookup = (name: string) => number | undefined;

/** A lookup over a plain record that never sees inherited properties. */
export function lookupIn(values: Readonly<Record<string, number>>): Lookup {
  return (name) => (Object.hasOwn(values, name) ? values[name] : undefined);
}

const finite = (x: number): number => (Number.isFinite(x) ? x : NaN);

/** Evaluates to a number, 1/0 for conditions, or NaN when unknown. Never throws. */
export function evaluate(e: Expr, lookup: Lookup): number {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'ref': {
      const v = lookup(e.name);
      return typeof v === 'number' ? finite(v) : NaN;
    }
    case 'neg':
      return -evaluate(e.arg, lookup);
    case 'arith': {
      const a = evaluate(e.left, lookup);
      const b = evaluate(e.right, lookup);
      if (e.op === '+') return finite(a + b);
      if (e.op === '-') return finite(a - b);
      if (e.op === '*') return finite(a * b);
      return b === 0 ? NaN : finite(a / b);
    }
    case 'compare': {
      const a = evaluate(e.left, lookup);
      const b = evaluate(e.right, lookup);
      if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
      return compareNumbers(e.op, a, b) ? 1 : 0;
    }
    case 'logic': {
      const stop = e.op === '&&' ? 0 : 1;
      const a = evaluate(e.left, lookup);
      if (a === stop) return stop;
      const b = evaluate(e.right, lookup);
      if (b === stop) return stop;
      return Number.isNaN(a) || Number.isNaN(b) ? NaN : 1 - stop;
    }
    case 'call': {
      const xs = e.args.map((a) => evaluate(a, lookup));
      if (e.fn === 'abs') return Math.abs(xs[0]!);
      return e.fn === 'min' ? Math.min(...xs) : Math.max(...xs);
    }
  }
}

export function compareNumbers(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

/** The parameters an expression reads, sorted and unique: the rule index registers the rule under each. */
