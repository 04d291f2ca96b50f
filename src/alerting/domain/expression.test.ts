import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataInsightError, isDataInsightError } from '../../platform/errors.js';
import { parameters, printExpression, type Expr } from './expression-ast.js';
import { evaluate, lookupIn } from './expression-eval.js';
import { parseCondition, parseExpression } from './expression.js';

const run = (src: string, values: Record<string, number> = {}) =>
  evaluate(parseExpression(src), lookupIn(values));

function errorOf(f: () => unknown): DataInsightError {
  try {
    f();
  } catch (e) {
    if (e instanceof DataInsightError) return e;
    throw e;
  }
  throw new Error('expected a DataInsightError');
}

describe('expression: parsing and evaluation', () => {
  it('follows the usual precedence and left associativity', () => {
    expect(run('1 + 2 * 3')).toBe(7);
    expect(run('(1 + 2) * 3')).toBe(9);
    expect(run('10 - 4 - 3')).toBe(3);
    expect(run('24 / 4 / 2')).toBe(3);
    expect(run('-2 * 3')).toBe(-6);
    expect(run('--2')).toBe(2);
    expect(run('2 - -3')).toBe(5);
    expect(run('1.5e2 + .5')).toBe(150.5);
  });

  it('evaluates the issue example over parameter values', () => {
    const e = parseCondition('power_kw / cooling_tons > 1.2');
    expect(evaluate(e, lookupIn({ power_kw: 130, cooling_tons: 100 }))).toBe(1);
    expect(evaluate(e, lookupIn({ power_kw: 110, cooling_tons: 100 }))).toBe(0);
    expect(parameters(e)).toEqual(['cooling_tons', 'power_kw']);
  });

  it('has every comparison, && and ||, abs, min and max', () => {
    const cases: Array<[string, number]> = [
      ['1 < 2', 1],
      ['2 <= 2', 1],
      ['1 > 2', 0],
      ['2 >= 3', 0],
      ['2 == 2', 1],
      ['2 != 2', 0],
      ['1 < 2 && 3 < 2', 0],
      ['1 < 2 || 3 < 2', 1],
      ['1 > 2 || 3 > 2 && 4 > 5', 0],
      ['abs(-3) == 3', 1],
      ['min(4, 2, 9) + max(1, 7) == 9', 1],
    ];
    for (const [src, want] of cases) expect(run(src), src).toBe(want);
  });

  it('treats a missing parameter, a division by zero or an overflow as unknown (NaN)', () => {
    expect(run('x + 1')).toBeNaN();
    expect(run('1 / 0')).toBeNaN();
    expect(run('1e300 * 1e300')).toBeNaN();
    expect(run('x > 1')).toBeNaN();
  });

  it('uses three-valued logic: false && unknown is false, true || unknown is true', () => {
    expect(run('1 > 2 && x > 1')).toBe(0);
    expect(run('x > 1 && 1 > 2')).toBe(0);
    expect(run('1 < 2 || x > 1')).toBe(1);
    expect(run('x > 1 || 1 < 2')).toBe(1);
    expect(run('1 < 2 && x > 1')).toBeNaN();
    expect(run('1 > 2 || x > 1')).toBeNaN();
  });

  it('reads parameters with keys that are not identifiers between backticks, and never inherited ones', () => {
    expect(run('`co2-ppm` > 800', { 'co2-ppm': 900 })).toBe(1);
    expect(run('`1st.temp` + 1', { '1st.temp': 1 })).toBe(2);
    expect(run('constructor + 1')).toBeNaN();
    expect(run('toString > 0')).toBeNaN();
  });

  it('lets a parameter be called like a function name when not followed by "("', () => {
    expect(run('min + max', { min: 1, max: 2 })).toBe(3);
  });
});

describe('expression: errors name the field and the position', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['power_kw / / x', 11, /expected a number, parameter or '\(' but found '\/'/],
    ['a > 1 &', 6, /unexpected '&' \(use '&&'\)/],
    ['a = 1', 2, /use '==' to compare/],
    ['(a > 1', 6, /expected '\)' but found end of expression/],
    ['a > 1)', 5, /unexpected '\)'/],
    ['1 < a < 3', 6, /comparisons cannot be chained/],
    ['a + 1 && b > 1', 6, /left side of '&&' must be a comparison/],
    ['(a > 1) * 2', 8, /left side of '\*' must be a number/],
    ['-(a > 1)', 0, /operand of unary '-' must be a number/],
    ['sqrt(a)', 0, /unknown function 'sqrt'/],
    ['abs(a, b)', 0, /abs\(\) takes 1 argument/],
    ['max()', 0, /max\(\) takes 1 to 16/],
    ['`bad key` > 1', 0, /not a valid parameter name/],
    ['`open', 0, /unclosed ` quote/],
    ['_x > 1', 0, /not a valid parameter name/],
    ['1e999 > 1', 0, /out of range/],
    ['a # b', 2, /unexpected '#'/],
    ['', 0, /expected a number/],
  ];
  for (const [src, position, message] of cases) {
    it(`rejects ${JSON.stringify(src)} at ${position}`, () => {
      const e = errorOf(() => parseExpression(src, 'condition.expr'));
      expect(e.code).toBe('DI_VALIDATION');
      expect(e.field).toBe('condition.expr');
      expect(e.details).toEqual({ position });
      expect(e.message).toMatch(message);
    });
  }

  it('refuses a number where a condition is needed, too deep nesting and too long text', () => {
    expect(errorOf(() => parseCondition('a + 1')).message).toMatch(/must be a condition/);
    expect(errorOf(() => parseExpression('('.repeat(100) + '1' + ')'.repeat(100))).message).toMatch(
      /nests deeper/,
    );
    expect(errorOf(() => parseExpression('1+'.repeat(600) + '1')).message).toMatch(/longer than 1000/);
  });
});

// Well-typed random trees: numbers and conditions.
const names = fc.constantFrom('a', 'b', 'power_kw', 'min', 'co2-ppm', '1st');
const literal = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e21, 1.5e-7),
);
const { num: numExpr, cond: condExpr } = fc.letrec<{ num: Expr; cond: Expr }>((tie) => ({
  num: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal.map((value): Expr => ({ kind: 'num', value })),
    names.map((name): Expr => ({ kind: 'ref', name })),
    tie('num').map((arg): Expr => ({ kind: 'neg', arg })),
    fc
      .record({ op: fc.constantFrom('+', '-', '*', '/' as const), left: tie('num'), right: tie('num') })
      .map((x): Expr => ({ kind: 'arith', ...x })),
    tie('num').map((a): Expr => ({ kind: 'call', fn: 'abs', args: [a] })),
    fc
      .record({
        fn: fc.constantFrom('min', 'max' as const),
        args: fc.array(tie('num'), { minLength: 1, maxLength: 3 }),
      })
      .map((x): Expr => ({ kind: 'call', ...x })),
  ),
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .record({
        op: fc.constantFrom('<', '<=', '>', '>=', '==', '!=' as const),
        left: tie('num'),
        right: tie('num'),
      })
      .map((x): Expr => ({ kind: 'compare', ...x })),
    fc
      .record({ op: fc.constantFrom('&&', '||' as const), left: tie('cond'), right: tie('cond') })
      .map((x): Expr => ({ kind: 'logic', ...x })),
  ),
}));
const values = fc.record({
  a: fc.double({ min: -100, max: 100, noNaN: true }),
  b: fc.integer({ min: -3, max: 3 }),
  power_kw: fc.double({ min: 0, max: 1000, noNaN: true }),
  min: fc.constantFrom(0, 1, -1),
  'co2-ppm': fc.integer({ min: 0, max: 2000 }),
});
const same = (x: number, y: number) => (Number.isNaN(x) ? Number.isNaN(y) : x === y);

describe('expression: properties', () => {
  it('a random tree printed and parsed again evaluates the same, and prints the same', () => {
    fc.assert(
      fc.property(fc.oneof(numExpr, condExpr), values, (tree, vals) => {
        const text = printExpression(tree);
        const back = parseExpression(text);
        expect(printExpression(back)).toBe(text);
        expect(same(evaluate(back, lookupIn(vals)), evaluate(tree, lookupIn(vals))), text).toBe(true);
        expect(parameters(back)).toEqual(parameters(tree));
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary text either parses or fails with a DI_VALIDATION error, never anything else', () => {
    const alphabet = fc.constantFrom(...'ab1.e+-*/()<>=!&|,` _'.split(''), 'abs(', 'min(', '&&', '||', '==');
    const text = fc.oneof(
      fc.string(),
      fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, (src) => {
        try {
          const e = parseExpression(src, 'expr');
          expect(typeof evaluate(e, lookupIn({ a: 1, b: 2 }))).toBe('number');
        } catch (err) {
          expect(isDataInsightError(err, 'DI_VALIDATION')).toBe(true);
          const pos = (err as DataInsightError).details as { position?: number } | undefined;
          if (pos?.position !== undefined) expect(pos.position).toBeLessThanOrEqual(src.length);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
