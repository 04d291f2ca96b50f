import { ADAPTERS } from './testing/adapters.js';
import { busContract } from './testing/bus-suite.js';

for (const adapter of ADAPTERS) busContract(adapter);
