/**
 * draw.io documents built in code, for fixtures, tests and the benchmark. Coordinates are integers
 * so files stay readable and diffs small.
 */

export interface BoxSpec {
  id: string;
  label: string;
  x: number;
  y: number;
  width?: number;
  height?: number;
  style?: string;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An `<mxGraphModel>` with boxes and edges between consecutive pairs given in `edges`. */
export function graphModel(boxes: BoxSpec[], edges: Array<[string, string]> = []): string {
  const cells = [
    '<mxCell id="0"/>',
    '<mxCell id="1" parent="0"/>',
    ...boxes.map(
      (box) =>
        `<mxCell id="${box.id}" value="${escapeAttribute(box.label)}" style="${box.style ?? 'rounded=1;whiteSpace=wrap;html=1;'}" vertex="1" parent="1">` +
        `<mxGeometry x="${box.x}" y="${box.y}" width="${box.width ?? 120}" height="${box.height ?? 60}" as="geometry"/></mxCell>`,
    ),
    ...edges.map(
      ([source, target], index) =>
        `<mxCell id="e${index + 1}" style="edgeStyle=orthogonalEdgeStyle;rounded=0;html=1;" edge="1" parent="1" source="${source}" target="${target}">` +
        '<mxGeometry relative="1" as="geometry"/></mxCell>',
    ),
  ];
  return `<mxGraphModel dx="800" dy="600" grid="1" gridSize="10" guides="1" page="1" pageScale="1" pageWidth="850" pageHeight="1100" math="0" shadow="0"><root>${cells.join('')}</root></mxGraphModel>`;
}

/** An `<mxfile>`; each page is given as model XML, and stored compressed when `compressed` is set. */
export function mxfile(pages: Array<{ id: string; name: string; model: string; compressed?: string }>): string {
  const diagrams = pages.map((page) => `  <diagram id="${page.id}" name="${escapeAttribute(page.name)}">${page.compressed ?? page.model}</diagram>`);
  return `<mxfile host="platform-kit" version="14.6.12">\n${diagrams.join('\n')}\n</mxfile>\n`;
}

/** The three-shape service diagram most tests use; `label` changes the first box's text. */
export function serviceModel(label = 'API gateway'): string {
  return graphModel(
    [
      { id: 'web', label: 'Web app', x: 40, y: 40 },
      { id: 'api', label, x: 240, y: 40 },
      { id: 'db', label: 'Postgres', x: 440, y: 30, width: 80, height: 80, style: 'shape=cylinder3;whiteSpace=wrap;html=1;boundedLbl=1;size=15;' },
    ],
    [
      ['web', 'api'],
      ['api', 'db'],
    ],
  );
}

/** A grid of `count` labelled boxes with an edge from each box to its right neighbour. */
export function gridModel(count: number): string {
  const columns = Math.ceil(Math.sqrt(count));
  const boxes: BoxSpec[] = [];
  const edges: Array<[string, string]> = [];
  for (let i = 0; i < count; i += 1) {
    boxes.push({ id: `n${i}`, label: `Node ${i}`, x: 20 + (i % columns) * 140, y: 20 + Math.floor(i / columns) * 90, width: 100, height: 50 });
    if (i % columns !== 0) edges.push([`n${i - 1}`, `n${i}`]);
  }
  return graphModel(boxes, edges);
}
