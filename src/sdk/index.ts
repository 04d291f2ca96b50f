/** Producer SDK: send readings to DataInsight over MQTT or HTTP. */
export {
  createHttpProducer,
  type HttpProducer,
  type HttpProducerOptions,
  type HttpRecord,
  type SendResult,
} from './http-producer.js';
export { createMqttProducer, type MqttProducer, type MqttProducerOptions } from './mqtt-producer.js';
export { IngestError } from './errors.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export { KEY_SEGMENT, type Sample, type Values, type WireSample } from './wire.js';
