/**
 * `forms: remove`: the interactive form goes — the AcroForm dictionary, every field and
 * every widget annotation. Where pdf-lib can, each widget's current appearance is first
 * drawn into its page (flattened), so filled-in values stay visible; where it cannot (a
 * field with no page, odd appearance streams), the widgets are simply dropped. Run after
 * `disarm` (which counts the scripts the fields carried) and before dropping unreachable objects.
 */
import { PDFArray, PDFDict, PDFName, PDFRef, type PDFDocument } from '@cantoo/pdf-lib';

export interface FormsRemoved {
  /** Form fields removed (terminal fields, as pdf-lib counts them), 0 when there was no form. */
  formFields: number;
  /** Widget annotations dropped without their appearance drawn into the page. */
  widgetsDropped: number;
  /** Whether the appearances were drawn into the pages. */
  flattened: boolean;
}

const name = (n: string) => PDFName.of(n);

export function removeForms(doc: PDFDocument): FormsRemoved {
  if (!doc.catalog.has(name('AcroForm'))) return { formFields: 0, widgetsDropped: 0, flattened: false };
  let formFields = 0;
  let flattened = false;
  // pdf-lib reports a widget it cannot flatten (no page, no appearance) only on the console,
  // and goes on: its reports are counted here instead of printed.
  let failures = 0;
  const consoleError = console.error;
  console.error = () => void failures++;
  try {
    const form = doc.getForm();
    formFields = form.getFields().length;
    form.flatten({ updateFieldAppearances: false });
    flattened = failures === 0;
  } catch {
    // A form pdf-lib cannot flatten: what is left of it is dropped below.
  } finally {
    console.error = consoleError;
  }
  doc.catalog.delete(name('AcroForm'));
  let widgetsDropped = 0;
  for (const page of doc.getPages()) {
    const annots = page.node.lookupMaybe(name('Annots'), PDFArray);
    if (!annots) continue;
    for (let i = annots.size() - 1; i >= 0; i--) {
      const item = annots.get(i);
      const annot = item instanceof PDFRef ? doc.context.lookup(item) : item;
      if (annot instanceof PDFDict && annot.get(name('Subtype')) === name('Widget')) {
        annots.remove(i);
        widgetsDropped++;
      }
    }
  }
  return { formFields, widgetsDropped, flattened: flattened && widgetsDropped === 0 };
}
