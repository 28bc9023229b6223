// Loads the generator's modules and exits: the fixed start-up cost of any `pnpm generate` process.
import "../scripts/src/generate.js";
