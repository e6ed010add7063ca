extension ObjectStore {
    /// Changes a bucket's record (its tags, its CORS rules) and writes it, as setVersioning
    /// does: the index takes the new record once it is the one on disk.
    func updateBucketRecord(_ name: String, _ change: (inout StoredBucket) -> Void) throws(S3ServerError) {
        var stored = try bucket(name)
        change(&stored)
        do {
            try writeBucket(stored) {
                replaceBucket(stored)
            }
        } catch {
            throw .internalError("cannot write bucket: \(error)")
        }
    }
}
