import { EmbeddedBroker } from '../broker/embedded.js';
import { ExternalBroker } from '../broker/external.js';
import type { Broker } from '../broker/port.js';
import { CredentialVerifier } from '../iam/credentials.js';
import type { RoleStarter } from '../runtime/role.js';
import { deviceAuth } from './device-auth.js';
import { Intake } from './intake.js';
import { TOPIC_FILTERS } from './parse/index.js';
import { TOPIC_ROOT } from './parse/topic.js';

/**
 * The bridge role: MQTT in, telemetry stream out. Embedded, it is the Aedes broker devices connect
 * to (with device credentials and the tenant ACL); with MQTT_URL it subscribes to the external broker
 * through a shared subscription, so any number of bridges split the load.
 */
export const startBridge: RoleStarter = async (rt) => {
  const { config } = rt;
  const log = rt.logger.child({ role: 'bridge' });
  const intake = new Intake(rt.bus, rt.metrics, {
    maxPastMs: config.ingestMaxPastMs,
    maxFutureMs: config.ingestMaxFutureMs,
    maxMessageBytes: config.ingestMaxMessageBytes,
  });
  // Device logins of the embedded broker; revocations reach it through the change feed.
  const verifier = new CredentialVerifier(rt.db);
  const unfollow = await verifier.followRevocations(rt.feed);
  const broker: Broker = config.mqttUrl
    ? new ExternalBroker({
        url: config.mqttUrl,
        shareGroup: config.mqttShareGroup,
        filters: [...TOPIC_FILTERS],
        clientId: `datainsight-bridge-${config.instance}`,
        connections: config.mqttBridgeConnections,
        logger: log,
        drainTimeoutMs: config.shutdownTimeoutMs,
      })
    : new EmbeddedBroker({
        host: config.mqttHost,
        port: config.mqttPort,
        logger: log,
        auth: config.mqttAllowAnonymous ? undefined : deviceAuth(verifier),
        accepts: (topic) => topic.startsWith(`${TOPIC_ROOT}/`),
        drainTimeoutMs: config.shutdownTimeoutMs,
      });
  await broker.start(async (msg) => {
    const r = await intake.mqtt(msg);
    rt.metrics.roleThroughput.inc({ role: 'bridge', item: 'readings_bridged' }, r.accepted);
    if (r.rejections.length)
      log.debug({ topic: msg.topic, rejections: r.rejections.slice(0, 3) }, 'mqtt records rejected');
  });
  rt.health.register('mqtt', () => broker.ping());
  return {
    describe: () => [
      `MQTT: ${broker.describe()}${config.mqttAllowAnonymous && !config.mqttUrl ? ' - anonymous clients allowed' : ''}`,
    ],
    ports: broker instanceof EmbeddedBroker ? { mqtt: broker.listeningPort } : {},
    close: async () => {
      await broker.close();
      await unfollow();
    },
  };
};
