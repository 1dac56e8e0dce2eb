import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { compressPage, decodeDiagram, diagramStem, inflatePage } from '../app/checks/diagrams/decode.js';
import { DIAGRAM_LIMITS, type DiagramLimits } from '../app/checks/diagrams/limits.js';
import { embedMxfile, readPngTextChunks } from '../app/checks/diagrams/png-chunks.js';
import { canonicalXml, DiagramSourceError } from '../app/checks/diagrams/xml.js';
import { gridModel, mxfile, serviceModel } from './helpers/diagrams-fixtures.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/diagrams/${name}`, import.meta.url));
const bytes = (text: string) => Buffer.from(text, 'utf8');

function decodeError(path: string, content: Uint8Array, limits: DiagramLimits = DIAGRAM_LIMITS): DiagramSourceError {
  try {
    decodeDiagram(path, content, limits);
  } catch (error) {
    if (error instanceof DiagramSourceError) return error;
    throw error;
  }
  throw new Error(`${path} decoded without error`);
}

describe('diagram decoding', () => {
  it('reads a plain single-page .drawio file', () => {
    const diagram = decodeDiagram('service.drawio', fixture('service.drawio'));
    expect(diagram.container).toBe('xml');
    expect(diagram.pages).toHaveLength(1);
    expect(diagram.pages[0]).toMatchObject({ index: 0, id: 'service', name: 'Services', compressed: false, line: 2, cellCount: 7 });
    expect(diagram.pages[0]?.width).toBe(480);
    expect(diagram.pages[0]?.height).toBe(80);
  });

  it('reads a compressed page to the same model as its plain twin', () => {
    const plain = decodeDiagram('service.drawio', fixture('service.drawio'));
    const compressed = decodeDiagram('compressed.drawio', fixture('compressed.drawio'));
    expect(compressed.pages[0]?.compressed).toBe(true);
    expect(canonicalXml(compressed.pages[0]!.model)).toBe(canonicalXml(plain.pages[0]!.model));
  });

  it('reads every page of a multi-page file, plain and compressed, with their lines', () => {
    const diagram = decodeDiagram('multi-page.drawio', fixture('multi-page.drawio'));
    expect(diagram.pages.map((page) => [page.name, page.compressed, page.line, page.cellCount])).toEqual([
      ['Overview', false, 2, 7],
      ['Request flow', true, 3, 7],
    ]);
  });

  it('accepts the .drawio.xml and .xml names', () => {
    expect(decodeDiagram('a.drawio.xml', fixture('service.drawio')).pages).toHaveLength(1);
    expect(decodeDiagram('a.xml', fixture('service.drawio')).pages).toHaveLength(1);
    expect(diagramStem('docs/a.drawio.xml')).toBe('docs/a');
    expect(diagramStem('docs/a.drawio.png')).toBe('docs/a');
  });

  it('reads the source embedded in a PNG, from a tEXt and from a zTXt chunk', () => {
    const source = canonicalXml(decodeDiagram('service.drawio', fixture('service.drawio')).pages[0]!.model);
    for (const name of ['service.drawio.png', 'service-ztxt.drawio.png']) {
      const diagram = decodeDiagram(name, fixture(name));
      expect(diagram.container).toBe('png');
      expect(canonicalXml(diagram.pages[0]!.model)).toBe(source);
    }
  });

  it('replaces an embedded source instead of adding a second one', () => {
    const twice = embedMxfile(embedMxfile(fixture('no-source.drawio.png'), mxfile([{ id: 'a', name: 'A', model: serviceModel('One') }])), mxfile([{ id: 'a', name: 'A', model: serviceModel('Two') }]));
    const chunks = readPngTextChunks(twice, DIAGRAM_LIMITS.maxInflatedBytes).filter((chunk) => chunk.keyword === 'mxfile');
    expect(chunks).toHaveLength(1);
    expect(decodeURIComponent(chunks[0]!.text)).toContain('Two');
  });

  it('reads the source embedded in an SVG content attribute', () => {
    const diagram = decodeDiagram('service.drawio.svg', fixture('service.drawio.svg'));
    expect(diagram.container).toBe('svg');
    expect(diagram.pages[0]?.name).toBe('Services');
  });

  it('says so when a PNG carries no diagram', () => {
    const error = decodeError('no-source.drawio.png', fixture('no-source.drawio.png'));
    expect(error.reason).toBe('not-a-diagram');
    expect(error.message).toContain('no "mxfile" text chunk');
  });

  it('round-trips draw.io page compression (base64 → raw inflate → URI-decode)', () => {
    const model = serviceModel('Ünïcode & <angle>');
    expect(inflatePage(compressPage(model), 'page', DIAGRAM_LIMITS)).toBe(model);
  });

  it('lists external image URLs without fetching them', () => {
    expect(decodeDiagram('external-image.drawio', fixture('external-image.drawio')).externalImages).toEqual(['https://example.com/logo.png']);
  });
});

describe('diagram decoding: bad input', () => {
  it('rejects a DOCTYPE with entity declarations, with its line, and expands nothing', () => {
    const error = decodeError('doctype.drawio', fixture('doctype.drawio'));
    expect(error.reason).toBe('doctype');
    expect(error.line).toBe(2);
    expect(error.message).toContain('no entity expansion');
  });

  it('reports XML syntax errors with the line', () => {
    const error = decodeError('syntax-error.drawio', fixture('syntax-error.drawio'));
    expect(error.reason).toBe('syntax');
    expect(error.line).toBe(5);
    expect(error.message).toMatch(/not well-formed XML/);
  });

  it('stops a decompression bomb at the limit and names the page line', () => {
    const error = decodeError('bomb.drawio', fixture('bomb.drawio'));
    expect(error.reason).toBe('limit');
    expect(error.line).toBe(3);
    expect(error.message).toContain('16,777,216-byte limit');
  });

  it('stops a zTXt chunk that inflates past the limit', () => {
    const small = { ...DIAGRAM_LIMITS, maxInflatedBytes: 100 };
    expect(decodeError('service-ztxt.drawio.png', fixture('service-ztxt.drawio.png'), small).reason).toBe('limit');
  });

  it('refuses a diagram with too many cells', () => {
    const model = gridModel(2_000);
    const content = bytes(mxfile([{ id: 'grid', name: 'Grid', model }]));
    const error = decodeError('grid.drawio', content, { ...DIAGRAM_LIMITS, maxCells: 1_000 });
    expect(error.reason).toBe('limit');
    expect(error.message).toContain('more than 1,000 cells');
  });

  it('counts 100,000 cells as over the default limit', () => {
    const cells = Array.from({ length: 100_000 }, (_, i) => `<mxCell id="c${i}" parent="1" vertex="1"/>`).join('');
    const content = bytes(mxfile([{ id: 'p', name: 'P', model: `<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>${cells}</root></mxGraphModel>` }]));
    expect(decodeError('many.drawio', content).message).toContain('more than 50,000 cells');
  });

  it('refuses a 30,000-pixel page', () => {
    const error = decodeError('huge-page.drawio', fixture('huge-page.drawio'));
    expect(error.reason).toBe('limit');
    expect(error.message).toContain('30000×60 px');
    expect(error.message).toContain('16,384 px');
  });

  it('rejects a compressed page that is not base64 or not deflate', () => {
    expect(decodeError('a.drawio', bytes('<mxfile><diagram id="a">not base64!</diagram></mxfile>')).reason).toBe('encoding');
    expect(decodeError('a.drawio', bytes('<mxfile><diagram id="a">AAAA</diagram></mxfile>')).reason).toBe('encoding');
  });

  it('reports a compressed page that holds broken XML at its <diagram> line', () => {
    const broken = deflateRawSync(Buffer.from(encodeURIComponent('<mxGraphModel><root>'))).toString('base64');
    const error = decodeError('a.drawio', bytes(`<mxfile>\n\n<diagram id="a">${broken}</diagram></mxfile>`));
    expect(error.reason).toBe('syntax');
    expect(error.line).toBe(3);
  });

  it('rejects files that are not diagrams', () => {
    expect(decodeError('a.xml', bytes('<project><name>x</name></project>')).reason).toBe('not-a-diagram');
    expect(decodeError('a.drawio', Buffer.from([0xff, 0xfe, 0x00])).reason).toBe('encoding');
  });
});
