// `import MSS` brings S3's wire types with it: error codes (`S3ErrorCode`), the lifecycle
// configuration the SDK sends (`LifecycleConfiguration`, `LifecycleRule`), checksums and dates
// appear in the SDK's own signatures, so users should not need a second import.
@_exported import S3Protocol
