/**
 * Writes the hand-checkable draw.io fixtures under test/fixtures/diagrams/ (`npx tsx
 * scripts/generate-diagram-fixtures.ts`). Every file is a pure function of this script, so a
 * changed fixture shows up as a diff here first.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { compressPage } from '../app/checks/diagrams/decode.js';
import { embedMxfile } from '../app/checks/diagrams/png-chunks.js';
import { graphModel, mxfile, serviceModel } from '../test/helpers/diagrams-fixtures.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'diagrams');

function write(name: string, content: string | Buffer): void {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, name), content);
}

function tinyPng(): Buffer {
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(255);
  return PNG.sync.write(png);
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '&#10;');
}

function zTxtPng(keyword: string, text: string): Buffer {
  const png = tinyPng();
  const data = Buffer.concat([Buffer.from(`${keyword}\0\0`, 'latin1'), deflateSync(Buffer.from(text, 'latin1'))]);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(data.length, 0);
  header.write('zTXt', 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([header.subarray(4), data])) >>> 0, 0);
  const iend = png.length - 12;
  return Buffer.concat([png.subarray(0, iend), header, data, crc, png.subarray(iend)]);
}

const service = mxfile([{ id: 'service', name: 'Services', model: serviceModel() }]);
const architecture = serviceModel();
const flow = graphModel(
  [
    { id: 'a', label: 'Request', x: 20, y: 20 },
    { id: 'b', label: 'Queue', x: 20, y: 140 },
    { id: 'c', label: 'Worker', x: 20, y: 260 },
  ],
  [
    ['a', 'b'],
    ['b', 'c'],
  ],
);

write('service.drawio', service);
write('compressed.drawio', mxfile([{ id: 'service', name: 'Services', model: architecture, compressed: compressPage(architecture) }]));
write(
  'multi-page.drawio',
  mxfile([
    { id: 'overview', name: 'Overview', model: architecture },
    { id: 'flow', name: 'Request flow', model: flow, compressed: compressPage(flow) },
  ]),
);
write('service.drawio.png', embedMxfile(tinyPng(), service));
write('service-ztxt.drawio.png', zTxtPng('mxfile', encodeURIComponent(service)));
write('no-source.drawio.png', tinyPng());
write(
  'service.drawio.svg',
  `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2" viewBox="0 0 2 2" content="${escapeAttribute(service)}">\n  <rect width="2" height="2" fill="#fff"/>\n</svg>\n`,
);

// Bad input.
write(
  'doctype.drawio',
  '<?xml version="1.0"?>\n<!DOCTYPE mxfile [\n  <!ENTITY lol "lol">\n  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n<mxfile><diagram id="a" name="Page-1">&lol2;</diagram></mxfile>\n',
);
write('syntax-error.drawio', `<mxfile>\n  <diagram id="a" name="Page-1">\n    <mxGraphModel><root>\n      <mxCell id="0">\n    </root></mxGraphModel>\n  </diagram>\n</mxfile>\n`);
// 20 MB of spaces deflate to about 20 KB: well over the 16 MB inflate limit.
const bomb = deflateRawSync(Buffer.alloc(20 * 1024 * 1024, 0x20)).toString('base64');
write('bomb.drawio', `<mxfile>\n  <diagram id="a" name="Page-1"><mxGraphModel><root><mxCell id="0"/></root></mxGraphModel></diagram>\n  <diagram id="b" name="Bomb">${bomb}</diagram>\n</mxfile>\n`);
write('huge-page.drawio', mxfile([{ id: 'wide', name: 'Wide', model: graphModel([{ id: 'a', label: 'Left', x: 0, y: 0 }, { id: 'b', label: 'Far right', x: 29_880, y: 0 }]) }]));
write(
  'external-image.drawio',
  mxfile([
    {
      id: 'img',
      name: 'Logo',
      model: graphModel([{ id: 'logo', label: '', x: 20, y: 20, width: 80, height: 80, style: 'shape=image;imageAspect=0;aspect=fixed;image=https://example.com/logo.png;' }]),
    },
  ]),
);
console.log(`fixtures written to ${OUT}`);
