import { crc32, inflateSync } from 'node:zlib';
import { DiagramSourceError } from './xml.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(PNG_SIGNATURE);
}

export interface PngTextChunk {
  type: 'tEXt' | 'zTXt' | 'iTXt';
  keyword: string;
  text: string;
}

/**
 * The text chunks of a PNG (tEXt, zTXt, iTXt), read without decoding the image. Compressed text is
 * inflated with a size limit, so a small file cannot expand into gigabytes.
 */
export function readPngTextChunks(bytes: Uint8Array, maxInflatedBytes: number): PngTextChunk[] {
  if (!isPng(bytes)) throw new DiagramSourceError('not a PNG file (bad signature)', 'encoding');
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngTextChunk[] = [];
  let offset = 8;
  while (offset + 12 <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const dataStart = offset + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > buffer.length) throw new DiagramSourceError(`PNG chunk ${type} at byte ${offset} runs past the end of the file`, 'encoding');
    const data = buffer.subarray(dataStart, dataEnd);
    if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') chunks.push(textChunk(type, data, maxInflatedBytes));
    if (type === 'IEND') break;
    offset = dataEnd + 4;
  }
  return chunks;
}

function textChunk(type: PngTextChunk['type'], data: Buffer, maxInflatedBytes: number): PngTextChunk {
  const keywordEnd = data.indexOf(0);
  if (keywordEnd < 0) throw new DiagramSourceError(`PNG ${type} chunk has no keyword terminator`, 'encoding');
  const keyword = data.toString('latin1', 0, keywordEnd);
  if (type === 'tEXt') return { type, keyword, text: data.toString('latin1', keywordEnd + 1) };
  if (type === 'zTXt') {
    return { type, keyword, text: inflateLimited(data.subarray(keywordEnd + 2), maxInflatedBytes, keyword).toString('latin1') };
  }
  // iTXt: keyword \0 compressed-flag method language \0 translated-keyword \0 text
  const compressed = data[keywordEnd + 1] === 1;
  const languageEnd = data.indexOf(0, keywordEnd + 3);
  const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
  if (translatedEnd < 0) throw new DiagramSourceError('PNG iTXt chunk is truncated', 'encoding');
  const payload = data.subarray(translatedEnd + 1);
  const text = compressed ? inflateLimited(payload, maxInflatedBytes, keyword) : payload;
  return { type, keyword, text: text.toString('utf8') };
}

function inflateLimited(data: Buffer, maxBytes: number, keyword: string): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new DiagramSourceError(`PNG text chunk "${keyword}" inflates beyond the ${maxBytes.toLocaleString('en-US')}-byte limit`, 'limit');
    }
    throw new DiagramSourceError(`PNG text chunk "${keyword}" does not inflate: ${(error as Error).message}`, 'encoding');
  }
}

/**
 * Returns the PNG with its `mxfile` text chunks replaced by one holding `mxfile` (URI-encoded, as
 * draw.io writes it), placed before IEND, so the export carries its own source.
 */
export function embedMxfile(png: Uint8Array, mxfile: string): Buffer {
  if (!isPng(png)) throw new Error('embedMxfile: not a PNG');
  const buffer = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const parts: Buffer[] = [PNG_SIGNATURE];
  let offset = 8;
  while (offset + 12 <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    const keywordEnd = buffer.indexOf(0, offset + 8);
    const isMxfile = (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') && buffer.toString('latin1', offset + 8, keywordEnd) === 'mxfile';
    if (type === 'IEND') parts.push(pngChunk('tEXt', Buffer.concat([Buffer.from('mxfile\0', 'latin1'), Buffer.from(encodeURIComponent(mxfile), 'latin1')])));
    if (!isMxfile) parts.push(buffer.subarray(offset, end));
    if (type === 'IEND') break;
    offset = end;
  }
  return Buffer.concat(parts);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(data.length, 0);
  header.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([header.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([header, data, crc]);
}
