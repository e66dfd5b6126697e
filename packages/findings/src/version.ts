/** imagegate's version, written into SARIF and SBOM tool fields. */
export const IMAGEGATE_VERSION = '0.1.0';
