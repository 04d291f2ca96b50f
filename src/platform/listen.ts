import type { Server } from 'node:net';
import { DataInsightError } from './errors.js';

/**
 * Listen on host:port; a taken port becomes an error naming the setting to change (a machine may well
 * run Mosquitto on 1883 or another service on 8080).
 */
export function listen(server: Server, host: string, port: number, setting: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') {
        reject(
          new DataInsightError(
            'DI_PORT_IN_USE',
            `port ${port} on ${host} is already in use by another program; set ${setting} to a free port`,
            {
              field: setting,
              cause: e,
            },
          ),
        );
      } else if (e.code === 'EACCES') {
        reject(
          new DataInsightError(
            'DI_PORT_IN_USE',
            `not allowed to listen on port ${port}; set ${setting} to a port above 1023`,
            { field: setting, cause: e },
          ),
        );
      } else reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
