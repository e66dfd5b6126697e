export { corpusAvailable, corpusPath, corpusRoot, repoRoot } from './corpus';
export { RecordingLogger } from './logger';
