/**
 * The syntax tree of rule expressions (see expression.ts for the language) and what can be done with a
 * tree without evaluating it: its type, the parameters it reads, and printing it back to text.
 */

export type ArithOp = '+' | '-' | '*' | '/';
export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type LogicOp = '&&' | '||';
export type FnName = 'abs' | 'min' | 'max';

export type Expr =
  | { kind: 'num'; value: number }
  | { kind: 'ref'; name: string }
  | { kind: 'neg'; arg: Expr }
  | { kind: 'arith'; op: ArithOp; left: Expr; right: Expr }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr }
  | { kind: 'logic'; op: LogicOp; left: Expr; right: Expr }
  | { kind: 'call'; fn: FnName; args: Expr[] };

export type ExprType = 'number' | 'condition';

export const PLAIN_ID = /^[A-Za-z_][A-Za-z0-9_.]*$/;

export const BINARY_BP: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  '==': 3,
  '!=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
};
export const UNARY_BP = 5;

export function typeOf(e: Expr): ExprType {
  return e.kind === 'compare' || e.kind === 'logic' ? 'condition' : 'number';
}

export function parameters(e: Expr): string[] {
  const out = new Set<string>();
  const walk = (x: Expr): void => {
    if (x.kind === 'ref') out.add(x.name);
    else if (x.kind === 'neg') walk(x.arg);
    else if (x.kind === 'call') x.args.forEach(walk);
    else if (x.kind !== 'num') {
      walk(x.left);
      walk(x.right);
    }
  };
  walk(e);
  return [...out].sort();
}

function bindingPower(e: Expr): number {
  if (e.kind === 'arith' || e.kind === 'compare' || e.kind === 'logic') return BINARY_BP[e.op]!;
  if (e.kind === 'neg' || (e.kind === 'num' && (e.value < 0 || Object.is(e.value, -0))))
    return UNARY_BP + 0.5;
  return 10;
}

/** Prints an expression with the fewest parentheses that parse back to the same tree. */
export function printExpression(e: Expr): string {
  switch (e.kind) {
    case 'num':
      return Object.is(e.value, -0) ? '-0' : String(e.value);
    case 'ref':
      return PLAIN_ID.test(e.name) ? e.name : `\`${e.name}\``;
    case 'neg': {
      const inner = printExpression(e.arg);
      return bindingPower(e.arg) <= UNARY_BP ? `-(${inner})` : `-${inner}`;
    }
    case 'call':
      return `${e.fn}(${e.args.map(printExpression).join(', ')})`;
    default: {
      const bp = BINARY_BP[e.op]!;
      const wrap = (x: Expr, needsParens: boolean) =>
        needsParens ? `(${printExpression(x)})` : printExpression(x);
      return `${wrap(e.left, bindingPower(e.left) < bp)} ${e.op} ${wrap(e.right, bindingPower(e.right) <= bp)}`;
    }
  }
}
