import packageJson from '../package.json';

/** The service's release (semver, CHANGELOG.md), read once from package.json: what `/health` reports. */
export const SERVICE_VERSION: string = packageJson.version;
