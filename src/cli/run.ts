// Process entry of the `datainsight` command (bin/datainsight.js loads the compiled copy).
import { main } from './main.js';

await main(process.argv);
