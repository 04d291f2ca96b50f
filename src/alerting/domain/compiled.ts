/**
 * Parsed expressions, memoised per condition object so a rule's expression is parsed once, not once
 * per reading. The source text is kept with the tree, so a condition edited in place is re-parsed.
 */
import { parameters, type Expr } from './expression-ast.js';
import { parseCondition } from './expression.js';

export interface ExpressionCondition {
  expr: string;
}

const cache = new WeakMap<ExpressionCondition, { src: string; ast: Expr }>();

/** The condition's syntax tree; throws DI_VALIDATION naming `field` if the text does not parse. */
export function compiledExpression(c: ExpressionCondition, field = 'condition.expr'): Expr {
  const hit = cache.get(c);
  if (hit && hit.src === c.expr) return hit.ast;
  const ast = parseCondition(c.expr, field);
  cache.set(c, { src: c.expr, ast });
  return ast;
}

export function expressionParameters(c: ExpressionCondition): string[] {
  return parameters(compiledExpression(c));
}
