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
export {
  RegistryClient,
  type CallOptions,
  type ManifestUpload,
  type PushReferrerResult,
} from './registry/client';
export {
  RegistryImageSource,
  type RegistrySourceOptions,
} from './registry/registry-source';
export { parseConfig, type ConfigLimits } from './config';
export type {
  RegistryClientOptions,
  RegistryLimits,
  RetryPolicy,
} from './registry/options';
export type { Clock } from './registry/clock';
export type { FetchedManifest } from './registry/manifest-parse';
export type { PutManifestResult } from './registry/manifests';
export type {
  BlobUpload,
  PushBlobOptions,
  PushBlobResult,
} from './registry/upload';
export type { ListTagsOptions } from './registry/tags';
export { referrersTag, type ListReferrersOptions } from './registry/referrers';
export {
  formatPlatform,
  matchesPlatform,
  parsePlatform,
  runnerPlatform,
  selectManifests,
} from './platform';
export type { RepositoryRef } from './registry/names';
export {
  walkLayers,
  type LayerInput,
  type LayerSummary,
  type WalkOptions,
  type WalkProblem,
  type WalkResult,
} from './walk/walk';
export { walkImage, type WalkImageOptions } from './walk/walk-image';
export { DEFAULT_WALK_LIMITS, type WalkLimits } from './walk/limits';
export type {
  FileInfo,
  FileSystemView,
  FileType,
  Resolution,
  ResolveFailure,
} from './walk/view';
export type {
  SkipReason,
  WalkedFile,
  WalkSubscriber,
} from './walk/subscribers';
export type { AnomalyKind, WalkAnomaly } from './walk/layer-apply';
export type { Compression } from './walk/decompress';
export {
  OciArchiveSource,
  OciLayoutSource,
  type LocalSourceOptions,
  type OciSourceOptions,
} from './sources/oci-layout';
export {
  DockerArchiveSource,
  type DockerArchiveOptions,
} from './sources/docker-archive';
export { DEFAULT_SOURCE_LIMITS, type SourceLimits } from './sources/limits';
export {
  createImageClient,
  imageCacheDir,
  openImageDestination,
  openImageSource,
  openSourceAt,
  type OpenImageOptions,
} from './open';
export {
  describeImage,
  type ConfigDescription,
  type HistoryDescription,
  type ImageDescription,
  type LayerDescription,
} from './describe';
export {
  copyImage,
  type CopyOptions,
  type CopyResult,
  type CopySource,
} from './copy/copy-image';
export { LocatedImageSource } from './copy/located-source';
export type {
  BlobOrigin,
  BlobOutcome,
  ImageDestination,
} from './copy/destination';
export { inspectImage, type InspectOptions } from './inspect';
export {
  copyLocations,
  type CopyLocationsOptions,
} from './copy/copy-locations';
