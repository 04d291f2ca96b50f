/**
 * The derived-value language of alert rules: a small, safe expression over an asset's latest parameter
 * values, e.g. `power_kw / cooling_tons > 1.2 && abs(supply_temp - setpoint) >= 2`.
 *
 * Grammar (Pratt parser, lowest binding first):
 *   ||   &&   comparisons (< <= > >= == !=, not chainable)   + -   * /   unary -
 *   primary: number | parameter | `quoted-parameter` | abs(x) | min(x, ...) | max(x, ...) | ( expr )
 * Parameters follow the ingest key rule; names that are not plain identifiers (`co2-ppm`, `1st.temp`)
 * are written between backticks. Expressions are typed: arithmetic takes numbers, && and || take
 * conditions. Nothing is ever handed to eval or Function: the text becomes a tree (expression-ast.ts)
 * that expression-eval.ts walks. Errors are DI_VALIDATION naming the field and the 0-based position.
 */
import { KEY_PATTERN } from '../../ingest/parse/validate.js';
import { DataInsightError } from '../../platform/errors.js';
import {
  BINARY_BP,
  typeOf,
  UNARY_BP,
  type ArithOp,
  type CompareOp,
  type Expr,
  type ExprType,
  type FnName,
} from './expression-ast.js';

export const MAX_EXPRESSION_LENGTH = 1000;
const MAX_DEPTH = 64;

type Token =
  | { t: 'num'; value: number; pos: number }
  | { t: 'id'; name: string; quoted: boolean; pos: number }
  | { t: 'op'; op: string; pos: number }
  | { t: 'end'; pos: number };

const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*/;
const OPERATORS = ['<=', '>=', '==', '!=', '&&', '||', '<', '>', '+', '-', '*', '/', '(', ')', ','];
const HINTS: Record<string, string> = {
  '=': "use '==' to compare",
  '!': "there is no '!'; use '!=' or reverse the comparison",
  '&': "use '&&'",
  '|': "use '||'",
};
const FUNCTIONS: Record<FnName, { min: number; max: number }> = {
  abs: { min: 1, max: 1 },
  min: { min: 1, max: 16 },
  max: { min: 1, max: 16 },
};

function fail(field: string, src: string, pos: number, what: string): never {
  throw new DataInsightError('DI_VALIDATION', `${field}: ${what} at position ${pos} in "${src}"`, {
    field,
    details: { position: pos },
  });
}

function tokenize(src: string, field: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const rest = src.slice(i);
    const num = NUMBER.exec(rest);
    if (num) {
      const value = Number(num[0]);
      if (!Number.isFinite(value)) fail(field, src, i, `number ${num[0]} is out of range`);
      out.push({ t: 'num', value, pos: i });
      i += num[0].length;
      continue;
    }
    const id = IDENT.exec(rest);
    if (id) {
      if (!KEY_PATTERN.test(id[0])) fail(field, src, i, `'${id[0]}' is not a valid parameter name`);
      out.push({ t: 'id', name: id[0], quoted: false, pos: i });
      i += id[0].length;
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) fail(field, src, i, 'unclosed ` quote');
      const name = src.slice(i + 1, end);
      if (!KEY_PATTERN.test(name)) fail(field, src, i, `\`${name}\` is not a valid parameter name`);
      out.push({ t: 'id', name, quoted: true, pos: i });
      i = end + 1;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op === undefined) {
      const hint = HINTS[c];
      fail(field, src, i, `unexpected '${c}'${hint ? ` (${hint})` : ''}`);
    }
    out.push({ t: 'op', op, pos: i });
    i += op.length;
  }
  out.push({ t: 'end', pos: src.length });
  return out;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly src: string,
    private readonly field: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    return this.tokens[this.i++]!;
  }

  private describe(tok: Token): string {
    if (tok.t === 'end') return 'end of expression';
    if (tok.t === 'num') return `number ${tok.value}`;
    if (tok.t === 'id') return `'${tok.name}'`;
    return `'${tok.op}'`;
  }

  fail(pos: number, what: string): never {
    return fail(this.field, this.src, pos, what);
  }

  private at(op: string): boolean {
    const tok = this.peek();
    return tok.t === 'op' && tok.op === op;
  }

  private expect(op: string): void {
    const tok = this.next();
    if (tok.t !== 'op' || tok.op !== op)
      this.fail(tok.pos, `expected '${op}' but found ${this.describe(tok)}`);
  }

  private need(e: Expr, want: ExprType, pos: number, role: string): void {
    if (typeOf(e) !== want) {
      const hint = want === 'condition' ? 'a comparison such as x > 1' : 'a number, not a comparison';
      this.fail(pos, `${role} must be ${hint}`);
    }
  }

  parseAll(): Expr {
    const e = this.parse(0);
    const tok = this.peek();
    if (tok.t !== 'end') this.fail(tok.pos, `unexpected ${this.describe(tok)}`);
    return e;
  }

  parse(rbp: number): Expr {
    if (++this.depth > MAX_DEPTH) this.fail(this.peek().pos, `expression nests deeper than ${MAX_DEPTH}`);
    let left = this.prefix();
    for (;;) {
      const tok = this.peek();
      const bp = tok.t === 'op' ? BINARY_BP[tok.op] : undefined;
      if (tok.t !== 'op' || bp === undefined || bp <= rbp) break;
      this.next();
      left = this.infix(left, tok.op, bp, tok.pos);
    }
    this.depth--;
    return left;
  }

  private infix(left: Expr, op: string, bp: number, pos: number): Expr {
    const right = this.parse(bp);
    if (op === '&&' || op === '||') {
      this.need(left, 'condition', pos, `the left side of '${op}'`);
      this.need(right, 'condition', pos, `the right side of '${op}'`);
      return { kind: 'logic', op, left, right };
    }
    this.need(left, 'number', pos, `the left side of '${op}'`);
    this.need(right, 'number', pos, `the right side of '${op}'`);
    if (bp === 3) {
      const after = this.peek();
      if (after.t === 'op' && BINARY_BP[after.op] === 3) {
        this.fail(after.pos, 'comparisons cannot be chained; join them with &&');
      }
      return { kind: 'compare', op: op as CompareOp, left, right };
    }
    return { kind: 'arith', op: op as ArithOp, left, right };
  }

  private prefix(): Expr {
    const tok = this.next();
    if (tok.t === 'num') return { kind: 'num', value: tok.value };
    if (tok.t === 'id') {
      if (!tok.quoted && this.at('(')) return this.call(tok.name, tok.pos);
      return { kind: 'ref', name: tok.name };
    }
    if (tok.t === 'op' && tok.op === '-') {
      const arg = this.parse(UNARY_BP);
      this.need(arg, 'number', tok.pos, "the operand of unary '-'");
      return { kind: 'neg', arg };
    }
    if (tok.t === 'op' && tok.op === '(') {
      const inner = this.parse(0);
      this.expect(')');
      return inner;
    }
    return this.fail(tok.pos, `expected a number, parameter or '(' but found ${this.describe(tok)}`);
  }

  private call(name: string, pos: number): Expr {
    if (!Object.hasOwn(FUNCTIONS, name)) this.fail(pos, `unknown function '${name}' (use abs, min or max)`);
    const fn = name as FnName;
    this.expect('(');
    const args: Expr[] = [];
    if (!this.at(')')) {
      for (;;) {
        const argPos = this.peek().pos;
        const arg = this.parse(0);
        this.need(arg, 'number', argPos, `an argument of ${fn}()`);
        args.push(arg);
        if (!this.at(',')) break;
        this.next();
      }
    }
    this.expect(')');
    const { min, max } = FUNCTIONS[fn];
    if (args.length < min || args.length > max) {
      this.fail(
        pos,
        `${fn}() takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`,
      );
    }
    return { kind: 'call', fn, args };
  }
}

/** Parses an expression of either type; throws DI_VALIDATION naming `field` and the position. */
export function parseExpression(src: string, field = 'expression'): Expr {
  if (typeof src !== 'string')
    throw new DataInsightError('DI_VALIDATION', `${field} must be a string`, { field });
  if (src.length > MAX_EXPRESSION_LENGTH) {
    throw new DataInsightError('DI_VALIDATION', `${field}: longer than ${MAX_EXPRESSION_LENGTH} characters`, {
      field,
    });
  }
  return new Parser(tokenize(src, field), src, field).parseAll();
}

/** Parses an expression that must be a condition (a comparison, or comparisons joined by && / ||). */
export function parseCondition(src: string, field = 'expression'): Expr {
  const e = parseExpression(src, field);
  if (typeOf(e) !== 'condition') fail(field, src, 0, 'the expression must be a condition such as x > 1');
  return e;
}
