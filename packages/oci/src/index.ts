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
export {
  isDockerHub,
  isRegistryHost,
  NAME_MAX_LENGTH,
  normaliseRegistry,
  parseReference,
  registryApiHost,
  withDigest,
  type ImageReference,
} from './reference';
export {
  formatImageLocation,
  parseImageLocation,
  type ImageLocation,
} from './reference-location';
export {
  createCredentialProvider,
  dockerConfigPath,
  podmanAuthPaths,
  type CredentialOptions,
  type ExplicitCredential,
} from './credentials/provider';
export { credentialHost } from './credentials/host';
export { secretForms } from './credentials/secrets';
