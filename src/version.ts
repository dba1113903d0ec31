/**
 * This build's version: what `--version` prints and part of every cache key, so a cache written
 * by another version of the tool is never trusted. A test keeps it equal to package.json's.
 */
export const PACKAGE_VERSION = "0.1.0";
