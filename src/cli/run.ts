/** Entry point of the `filemill` binary (bin/filemill.js imports the compiled copy). */
import { main } from './main.js';

await main(process.argv);
