/**
 * Where the engine's script is: dist/engine.js in the bundle, out/src/model/engine.js under tsc;
 * this module sits next to it in both, and whatever bundles it (extension, CLI) sits in dist/.
 */
import { join } from 'node:path';

export const ENGINE_SCRIPT = join(__dirname, 'engine.js');
