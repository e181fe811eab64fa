import { decodePDFRawStream, PDFArray, PDFDocument, type PDFObject, type PDFRawStream } from "pdf-lib";

/** The text a PDF draws, page by page: content streams inflated, `<hex> Tj` strings decoded from WinAnsi. */
export async function pdfPages(bytes: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(bytes);
  const winAnsi = new TextDecoder("windows-1252");
  return doc.getPages().map((page) => {
    const contents = page.node.Contents();
    const streams: PDFObject[] = contents instanceof PDFArray ? contents.asArray().map((ref) => doc.context.lookup(ref)!) : contents ? [contents] : [];
    const ops = streams.map((s) => Buffer.from(decodePDFRawStream(s as PDFRawStream).decode()).toString("latin1")).join("\n");
    return [...ops.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)].map((m) => winAnsi.decode(Buffer.from(m[1]!, "hex"))).join("\n");
  });
}
