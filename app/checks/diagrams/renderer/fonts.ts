import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Fonts come from npm packages, never from the machine: Arimo (metric-compatible with Helvetica
 * and Arial, draw.io's defaults) through @font-face, and DejaVu as the only font fontconfig can see,
 * so any other family falls back to the same glyphs everywhere.
 */

const require = createRequire(import.meta.url);

export function arimoDir(): string {
  return join(dirname(require.resolve('@fontsource/arimo/package.json')), 'files');
}

export function dejavuDir(): string {
  return join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
}

/** URL prefix (on the renderer's private origin) the page loads Arimo from. */
export const FONT_URL_PREFIX = '/_fonts/';

const ARIMO_FILES = [
  { weight: 400, style: 'normal', file: 'arimo-latin-400-normal.woff2' },
  { weight: 700, style: 'normal', file: 'arimo-latin-700-normal.woff2' },
  { weight: 400, style: 'italic', file: 'arimo-latin-400-italic.woff2' },
  { weight: 700, style: 'italic', file: 'arimo-latin-700-italic.woff2' },
] as const;

export const ARIMO_FILE_NAMES: readonly string[] = ARIMO_FILES.map((font) => font.file);

/** Families draw.io diagrams name that Arimo stands in for. */
const ARIMO_FAMILIES = ['Helvetica', 'Arial', 'Arimo', 'Liberation Sans', 'Helvetica Neue'];

export function fontFaceCss(): string {
  return ARIMO_FAMILIES.flatMap((family) =>
    ARIMO_FILES.map(
      (font) =>
        `@font-face { font-family: "${family}"; font-style: ${font.style}; font-weight: ${font.weight}; font-display: block; src: url("${FONT_URL_PREFIX}${font.file}") format("woff2"); }`,
    ),
  ).join('\n');
}

/** Descriptors `document.fonts.load` is asked for before the first render, so no render races a font load. */
export const FONT_PRELOADS: readonly string[] = ARIMO_FILES.map((font) => `${font.style} ${font.weight} 12px Helvetica`);

/**
 * Writes a fonts.conf that sees only DejaVu, with hinting off and grayscale antialiasing, and
 * returns its path (for FONTCONFIG_FILE). The cache lives next to it, inside the launch's profile.
 */
export async function writeFontconfig(dir: string): Promise<string> {
  await mkdir(join(dir, 'fontconfig-cache'), { recursive: true });
  const path = join(dir, 'fonts.conf');
  const xml = `<?xml version="1.0"?>
<fontconfig>
  <dir>${escapeXml(dejavuDir())}</dir>
  <cachedir>${escapeXml(join(dir, 'fontconfig-cache'))}</cachedir>
  <config><rescan><int>0</int></rescan></config>
  <match target="pattern">
    <edit name="family" mode="append"><string>DejaVu Sans</string></edit>
  </match>
  <match target="font">
    <edit name="antialias" mode="assign"><bool>true</bool></edit>
    <edit name="hinting" mode="assign"><bool>false</bool></edit>
    <edit name="hintstyle" mode="assign"><const>hintnone</const></edit>
    <edit name="autohint" mode="assign"><bool>false</bool></edit>
    <edit name="rgba" mode="assign"><const>none</const></edit>
    <edit name="lcdfilter" mode="assign"><const>lcdnone</const></edit>
    <edit name="embeddedbitmap" mode="assign"><bool>false</bool></edit>
  </match>
</fontconfig>
`;
  await writeFile(path, xml);
  return path;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
