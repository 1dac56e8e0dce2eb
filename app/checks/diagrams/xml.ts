import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** A parsed XML element: name, attributes (entities decoded), child elements and text, in order. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text content directly inside this element. */
  text: string;
}

/** Why a diagram could not be read; `line`/`column` are 1-based positions in the file when known. */
export class DiagramSourceError extends Error {
  constructor(
    message: string,
    readonly reason: 'syntax' | 'doctype' | 'limit' | 'encoding' | 'not-a-diagram',
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'DiagramSourceError';
  }
}

const FORBIDDEN_DECLARATION = /<!(DOCTYPE|ENTITY)\b/i;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Only the predefined XML entities and character references: a document cannot declare its own
  // (DOCTYPE is refused before parsing), so nothing can expand into more text than it holds.
  processEntities: true,
  htmlEntities: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
});

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/**
 * Parses XML with no DTD, no custom entities and no external references. A DOCTYPE or ENTITY
 * declaration is refused outright (draw.io never writes one), with the line it is on.
 */
export function parseXml(text: string, what: string): XmlElement {
  const declaration = FORBIDDEN_DECLARATION.exec(text);
  if (declaration) {
    const { line, column } = positionOf(text, declaration.index);
    throw new DiagramSourceError(
      `${what} declares a ${declaration[1]?.toUpperCase()}; DTDs and entity declarations are not accepted (no entity expansion)`,
      'doctype',
      line,
      column,
    );
  }
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    throw new DiagramSourceError(`${what} is not well-formed XML: ${valid.err.msg}`, 'syntax', valid.err.line, valid.err.col);
  }
  const nodes = parser.parse(text) as OrderedNode[];
  const roots = nodes.map(toElement).filter((node): node is XmlElement => node !== null);
  const root = roots[0];
  if (!root) throw new DiagramSourceError(`${what} holds no XML element`, 'syntax', 1, 1);
  return root;
}

function toElement(node: OrderedNode): XmlElement | null {
  const name = Object.keys(node).find((key) => key !== ':@');
  if (name === undefined || name === '#text') return null;
  const content = node[name];
  const element: XmlElement = { name, attributes: { ...(node[':@'] ?? {}) }, children: [], text: '' };
  if (Array.isArray(content)) {
    for (const child of content as OrderedNode[]) {
      if ('#text' in child) {
        element.text += String(child['#text']);
        continue;
      }
      const childElement = toElement(child);
      if (childElement) element.children.push(childElement);
    }
  }
  return element;
}

/** 1-based line and column of a character offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** A stable text form of an element: attributes sorted, whitespace-only text dropped. */
export function canonicalXml(element: XmlElement): string {
  const attributes = Object.keys(element.attributes)
    .sort()
    .map((key) => ` ${key}=${JSON.stringify(element.attributes[key])}`)
    .join('');
  const text = element.text.trim() === '' ? '' : JSON.stringify(element.text);
  return `<${element.name}${attributes}>${text}${element.children.map(canonicalXml).join('')}</${element.name}>`;
}
