import type { FastifyError, FastifyInstance } from 'fastify';
import { DataInsightError } from '../platform/errors.js';

/** Map Fastify's own error codes onto ours so every error body has the same shape. */
function fromFastify(e: FastifyError): DataInsightError | undefined {
  if (e.validation) {
    const first = e.validation[0];
    const field = first
      ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') ||
        String(first.params?.missingProperty ?? '')
      : undefined;
    return new DataInsightError(
      'DI_BAD_REQUEST',
      `${e.validationContext ?? 'request'} ${first?.message ?? 'is invalid'}`,
      field ? { field } : {},
    );
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DataInsightError(
        'DI_PAYLOAD_TOO_LARGE',
        'request body is larger than the limit for this endpoint',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DataInsightError('DI_UNSUPPORTED_MEDIA_TYPE', e.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new DataInsightError('DI_BAD_REQUEST', `request body is not valid JSON: ${e.message}`, {
        field: 'body',
      });
    default:
      if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
        return new DataInsightError('DI_BAD_REQUEST', e.message);
      return undefined;
  }
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const known = err instanceof DataInsightError ? err : fromFastify(err);
    if (known) {
      if (known.status >= 500) req.log.error({ err }, known.message);
      return reply.status(known.status).send(known.toJSON());
    }
    req.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send(new DataInsightError('DI_INTERNAL', `internal error (request id ${req.id})`).toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send(new DataInsightError('DI_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`).toJSON());
  });
}
