/** Content types doc-analyze reads (as sniffed from the bytes). Imports nothing: the server loads it. */
export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
