export { OciError, type OciErrorCode } from './errors';
export {
  hasherFor,
  isDigest,
  parseDigest,
  sha256Digest,
  splitDigest,
  type Digest,
} from './digest';
export {
  isImageManifestMediaType,
  isIndexMediaType,
  MANIFEST_MEDIA_TYPES,
  MediaType,
} from './media-types';
export type {
  Descriptor,
  HistoryEntry,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  Platform,
} from './types';
export type {
  Credential,
  CredentialProvider,
  ImageSource,
  PlatformChoice,
  ResolvedImage,
} from './source';
