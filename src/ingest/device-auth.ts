import type { DeviceAuth, DevicePrincipal } from '../broker/port.js';
import type { CredentialVerifier } from '../iam/credentials.js';
import { TOPIC_ROOT } from './parse/topic.js';

/**
 * MQTT device credentials (username + secret, created per device or gateway) and the topic ACL: a
 * device publishes and subscribes only under di/{its tenant}/.
 */
export function deviceAuth(verifier: CredentialVerifier): DeviceAuth {
  const ownTenant = (p: DevicePrincipal, topic: string): boolean =>
    topic.startsWith(`${TOPIC_ROOT}/${p.tenant}/`);
  return {
    async authenticate(username, password) {
      if (!username || !password) return null;
      const principal = await verifier.device(username, password.toString('utf8'));
      return principal ? { tenant: principal.tenant, device: username } : null;
    },
    mayPublish: ownTenant,
    maySubscribe: ownTenant,
  };
}
