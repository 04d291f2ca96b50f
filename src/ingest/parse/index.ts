/**
 * Ingest decoding: bytes from MQTT and HTTP to validated canonical readings, with a rejection for
 * everything else. Pure functions, no I/O: the broker bridge and the HTTP routes call these.
 */
export { decodeLineProtocol, mapLinePoints, type LineProtocolContext } from './influx-mapping.js';
export { decodeIngestBatch, decodeSensorPayload, type BatchContext, type SensorContext } from './json.js';
export {
  formatLineProtocol,
  parseLineProtocol,
  type LineError,
  type LineField,
  type LinePoint,
  type LinePointInput,
  type ParseOptions,
  type Precision,
} from './lineprotocol.js';
export {
  LINE_PROTOCOL_TOPIC_FILTER,
  lineProtocolTopic,
  parseTopic,
  SENSOR_TOPIC_FILTER,
  sensorTopic,
  sharedSubscription,
  TOPIC_FILTERS,
  type ParsedTopic,
  type SensorAddress,
} from './topic.js';
export {
  KEY_PATTERN,
  KEY_RULE,
  validateReading,
  validateReadings,
  type Decoded,
  type ValidationPolicy,
} from './validate.js';
