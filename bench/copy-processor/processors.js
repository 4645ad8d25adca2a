/**
 * The processor of `npm run bench overhead`, loaded by the built server through
 * FILEMILL_TEST_PROCESSORS (for benches and tests only). Plain JavaScript, because the built
 * server and its children run no TypeScript. `copy` does no work — input to output — so what
 * the bench measures is filemill's own cost per file.
 */
import Type from 'typebox';

export const processors = [
  {
    name: 'copy',
    title: 'Copies the input to the output',
    accepts: ['*/*'],
    extensions: [],
    settingsSchema: Type.Object({}, { additionalProperties: false }),
    presets: [{ name: 'default', title: 'Defaults', settings: {} }],
    defaultPreset: 'default',
    outputName: (inputName) => inputName,
    runModule: new URL('./run.js', import.meta.url),
  },
];
