import { ADAPTERS } from './testing/adapters.js';
import { consumerContract } from './testing/consumer-suite.js';

for (const adapter of ADAPTERS) consumerContract(adapter);
