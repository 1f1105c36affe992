// The document font: Noto Sans (SIL Open Font License, fonts/OFL.txt), vendored so that every
// machine renders the same bytes. Read and parsed once per process (parsing per document costs
// more than the rest of a small invoice); pdfkit embeds a subset of it in each PDF.
import { readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';

export interface DocumentFonts {
  regular: fontkit.Font;
  bold: fontkit.Font;
}

let fonts: DocumentFonts | undefined;

function load(file: string): fontkit.Font {
  return fontkit.create(readFileSync(new URL(`../fonts/${file}`, import.meta.url))) as fontkit.Font;
}

export function documentFonts(): DocumentFonts {
  fonts ??= { regular: load('NotoSans-Regular.ttf'), bold: load('NotoSans-Bold.ttf') };
  return fonts;
}
