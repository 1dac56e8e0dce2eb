import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DIAGRAM_LIMITS, type DiagramLimits } from './limits.js';
import { isPng, readPngTextChunks } from './png-chunks.js';
import { DiagramSourceError, parseXml, positionOf, type XmlElement } from './xml.js';

export type DiagramContainer = 'xml' | 'png' | 'svg';

export interface DiagramPage {
  /** 0-based position in the file. */
  index: number;
  id: string;
  name: string;
  /** Stored as base64 + raw deflate + URI encoding rather than plain XML. */
  compressed: boolean;
  /** The page's `<mxGraphModel>`. */
  model: XmlElement;
  cellCount: number;
  /** Extent of the page's top-level shapes, in diagram units (pixels at scale 1). */
  width: number;
  height: number;
  /** 1-based line of the page's `<diagram>` element in the source XML (1 for embedded sources). */
  line: number;
}

export interface DecodedDiagram {
  container: DiagramContainer;
  /** The `<mxfile>` document as draw.io reads it (for a .drawio.png/.svg: the embedded one). */
  mxfile: string;
  pages: DiagramPage[];
  /** Image URLs on other hosts the diagram refers to; the renderer never fetches them. */
  externalImages: string[];
}

const SOURCE_SUFFIXES = ['.drawio.xml', '.drawio', '.xml'] as const;

/** How a file holds its diagram, from its name: `.drawio.png`, `.drawio.svg`, else XML. */
export function containerOf(path: string): DiagramContainer {
  const lower = path.toLowerCase();
  if (lower.endsWith('.png')) return 'png';
  if (lower.endsWith('.svg')) return 'svg';
  return 'xml';
}

/** `docs/arch.drawio` → `docs/arch`; `docs/arch.drawio.png` → `docs/arch`. */
export function diagramStem(path: string): string {
  const lower = path.toLowerCase();
  for (const suffix of ['.drawio.png', '.drawio.svg', ...SOURCE_SUFFIXES]) {
    if (lower.endsWith(suffix)) return path.slice(0, path.length - suffix.length);
  }
  return path.replace(/\.[^./]+$/, '');
}

/** Reads a diagram file of any supported kind; throws DiagramSourceError with the line when it cannot. */
export function decodeDiagram(path: string, bytes: Uint8Array, limits: DiagramLimits = DIAGRAM_LIMITS): DecodedDiagram {
  if (bytes.byteLength > limits.maxFileBytes) {
    throw new DiagramSourceError(`${path} is ${bytes.byteLength.toLocaleString('en-US')} bytes, over the ${limits.maxFileBytes.toLocaleString('en-US')}-byte limit`, 'limit');
  }
  const container = containerOf(path);
  if (container === 'png') return { ...decodeMxfile(embeddedInPng(path, bytes, limits), `${path} (embedded mxfile)`, limits, false), container };
  const text = utf8(path, bytes);
  if (container === 'svg') return { ...decodeMxfile(embeddedInSvg(path, text), `${path} (embedded mxfile)`, limits, false), container };
  return { ...decodeMxfile(text, path, limits, true), container };
}

function utf8(path: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new DiagramSourceError(`${path} is not valid UTF-8 text`, 'encoding');
  }
}

function embeddedInPng(path: string, bytes: Uint8Array, limits: DiagramLimits): string {
  if (!isPng(bytes)) throw new DiagramSourceError(`${path} is not a PNG file`, 'encoding');
  const chunk = readPngTextChunks(bytes, limits.maxInflatedBytes).find((candidate) => candidate.keyword === 'mxfile');
  if (!chunk) throw new DiagramSourceError(`${path} carries no embedded diagram (no "mxfile" text chunk); export it from draw.io with "Include a copy of my diagram"`, 'not-a-diagram');
  const text = chunk.text.trimStart();
  // draw.io URI-encodes the XML it puts in a text chunk.
  return text.startsWith('%3C') || text.startsWith('%3c') ? uriDecode(text, `${path} (mxfile chunk)`) : text;
}

function embeddedInSvg(path: string, text: string): string {
  const svg = parseXml(text, path);
  if (svg.name !== 'svg') throw new DiagramSourceError(`${path} is not an SVG file (root element <${svg.name}>)`, 'not-a-diagram', 1, 1);
  const content = svg.attributes['content'];
  if (!content) throw new DiagramSourceError(`${path} carries no embedded diagram (no "content" attribute on <svg>); export it from draw.io with "Include a copy of my diagram"`, 'not-a-diagram', 1, 1);
  return content.trimStart().startsWith('%3C') ? uriDecode(content, `${path} (content attribute)`) : content;
}

function uriDecode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new DiagramSourceError(`${what} is not valid URI-encoded text`, 'encoding');
  }
}

/**
 * Reads an `<mxfile>` (or a bare `<mxGraphModel>`, as very old files have). `lines` tells whether
 * positions in `text` are positions in the file being reported.
 */
export function decodeMxfile(text: string, what: string, limits: DiagramLimits, lines: boolean): Omit<DecodedDiagram, 'container'> {
  const root = parseXml(text, what);
  const diagramLines = lines ? elementLines(text, 'diagram') : [];
  let pageElements: Array<{ id: string; name: string; element: XmlElement }>;
  if (root.name === 'mxGraphModel') {
    pageElements = [{ id: 'page-1', name: 'Page-1', element: root }];
  } else if (root.name === 'mxfile') {
    pageElements = root.children
      .filter((child) => child.name === 'diagram')
      .map((element, index) => ({ id: element.attributes['id'] ?? `page-${index + 1}`, name: element.attributes['name'] ?? `Page-${index + 1}`, element }));
  } else {
    throw new DiagramSourceError(`${what} is not a draw.io diagram (root element <${root.name}>, expected <mxfile>)`, 'not-a-diagram', 1, 1);
  }
  if (pageElements.length === 0) throw new DiagramSourceError(`${what} has no <diagram> page`, 'not-a-diagram', 1, 1);
  if (pageElements.length > limits.maxPages) {
    throw new DiagramSourceError(`${what} has ${pageElements.length} pages, over the limit of ${limits.maxPages}`, 'limit', 1, 1);
  }

  const pages: DiagramPage[] = [];
  const externalImages = new Set<string>();
  let cells = 0;
  pageElements.forEach((page, index) => {
    const line = diagramLines[index] ?? 1;
    const { model, compressed } = page.element.name === 'mxGraphModel' ? { model: page.element, compressed: false } : pageModel(page.element, `${what}, page "${page.name}"`, limits, line);
    const shape = measureModel(model, externalImages);
    cells += shape.cellCount;
    if (cells > limits.maxCells) {
      throw new DiagramSourceError(`${what} has more than ${limits.maxCells.toLocaleString('en-US')} cells (limit reached on page "${page.name}")`, 'limit', line);
    }
    if (shape.width > limits.maxPageSide || shape.height > limits.maxPageSide) {
      throw new DiagramSourceError(
        `${what}, page "${page.name}" is ${Math.ceil(shape.width)}×${Math.ceil(shape.height)} px; a page may be at most ${limits.maxPageSide.toLocaleString('en-US')} px on a side`,
        'limit',
        line,
      );
    }
    pages.push({ index, id: page.id, name: page.name, compressed, model, line, ...shape });
  });
  return { mxfile: text, pages, externalImages: [...externalImages].sort() };
}

function pageModel(diagram: XmlElement, what: string, limits: DiagramLimits, line: number): { model: XmlElement; compressed: boolean } {
  const plain = diagram.children.find((child) => child.name === 'mxGraphModel');
  if (plain) return { model: plain, compressed: false };
  const data = diagram.text.trim();
  if (data === '') return { model: { name: 'mxGraphModel', attributes: {}, children: [], text: '' }, compressed: false };
  const xml = inflatePage(data, what, limits, line);
  let model: XmlElement;
  try {
    model = parseXml(xml, what);
  } catch (error) {
    // Positions inside the inflated text mean nothing to the reader: point at the <diagram> element.
    if (error instanceof DiagramSourceError) throw new DiagramSourceError(`${error.message} (inside the compressed page)`, error.reason, line);
    throw error;
  }
  if (model.name !== 'mxGraphModel') throw new DiagramSourceError(`${what} decompresses to <${model.name}>, expected <mxGraphModel>`, 'not-a-diagram', line);
  return { model, compressed: true };
}

/** base64 → raw inflate (stopped at the limit) → URI-decode, as draw.io stores compressed pages. */
export function inflatePage(data: string, what: string, limits: DiagramLimits, line?: number): string {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(data)) throw new DiagramSourceError(`${what} is neither XML nor base64 (compressed page)`, 'encoding', line);
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(Buffer.from(data, 'base64'), { maxOutputLength: limits.maxInflatedBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new DiagramSourceError(
        `${what} inflates beyond the ${limits.maxInflatedBytes.toLocaleString('en-US')}-byte limit (decompression stopped there)`,
        'limit',
        line,
      );
    }
    throw new DiagramSourceError(`${what} is not a valid compressed page: ${(error as Error).message}`, 'encoding', line);
  }
  return uriDecode(inflated.toString('utf8'), what);
}

/** The reverse of inflatePage: what draw.io writes for a compressed page. */
export function compressPage(modelXml: string): string {
  return deflateRawSync(Buffer.from(encodeURIComponent(modelXml), 'utf8')).toString('base64');
}

interface ModelShape {
  cellCount: number;
  width: number;
  height: number;
}

const CELL_ELEMENTS = new Set(['mxCell', 'object', 'UserObject']);

/** Counts cells, measures top-level geometry and collects external image URLs. */
function measureModel(model: XmlElement, externalImages: Set<string>): ModelShape {
  const root = model.children.find((child) => child.name === 'root');
  if (!root) return { cellCount: 0, width: 0, height: 0 };
  const cells = root.children.filter((child) => CELL_ELEMENTS.has(child.name));
  const parents = new Map<string, string | undefined>();
  for (const cell of cells) {
    const inner = cell.name === 'mxCell' ? cell : (cell.children.find((child) => child.name === 'mxCell') ?? cell);
    const id = cell.attributes['id'];
    if (id !== undefined) parents.set(id, inner.attributes['parent']);
  }
  // Layers are the children of the root cell (the one without a parent); their children are top-level shapes.
  const rootIds = new Set([...parents].filter(([, parent]) => parent === undefined).map(([id]) => id));
  const layerIds = new Set([...parents].filter(([, parent]) => parent !== undefined && rootIds.has(parent)).map(([id]) => id));
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const cell of cells) {
    const inner = cell.name === 'mxCell' ? cell : (cell.children.find((child) => child.name === 'mxCell') ?? cell);
    collectImages(cell, inner, externalImages);
    const parent = inner.attributes['parent'];
    if (parent === undefined || !layerIds.has(parent)) continue;
    const geometry = inner.children.find((child) => child.name === 'mxGeometry');
    if (!geometry || geometry.attributes['relative'] === '1') continue;
    const x = numberOf(geometry.attributes['x']);
    const y = numberOf(geometry.attributes['y']);
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x + numberOf(geometry.attributes['width']));
    maxY = Math.max(maxY, y + numberOf(geometry.attributes['height']));
  }
  return {
    cellCount: cells.length,
    width: maxX > minX ? maxX - minX : 0,
    height: maxY > minY ? maxY - minY : 0,
  };
}

function numberOf(value: string | undefined): number {
  const parsed = value === undefined ? 0 : Number(value);
  return Number.isFinite(parsed) ? parsed : 0;
}

const STYLE_IMAGE = /(?:^|;)image=((?:https?:)?\/\/[^;]+)/gi;
const HTML_IMAGE = /<img[^>]+src\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]+)/gi;

function collectImages(cell: XmlElement, inner: XmlElement, into: Set<string>): void {
  for (const match of (inner.attributes['style'] ?? '').matchAll(STYLE_IMAGE)) if (match[1]) into.add(match[1]);
  for (const value of [cell.attributes['value'], cell.attributes['label'], inner.attributes['value']]) {
    for (const match of (value ?? '').matchAll(HTML_IMAGE)) if (match[1]) into.add(match[1]);
  }
}

/** 1-based line of each `<name` start tag, in document order. */
function elementLines(text: string, name: string): number[] {
  const pattern = new RegExp(`<${name}[\\s>/]`, 'g');
  const lines: number[] = [];
  let lastOffset = 0;
  let lastLine = 1;
  for (const match of text.matchAll(pattern)) {
    // Incremental: count newlines since the previous match only.
    lastLine += positionOf(text.slice(lastOffset, match.index), match.index - lastOffset).line - 1;
    lastOffset = match.index;
    lines.push(lastLine);
  }
  return lines;
}
